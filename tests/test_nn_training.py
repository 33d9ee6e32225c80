"""Whole PyTorch training scripts run on chainrule and give PyTorch's numbers.

Each script below is written once, against a module object called ``torch``; it runs with
the real PyTorch and with ``import chainrule as torch``. Both start from the same weights
(PyTorch's, copied through ``state_dict``), see the same batches (no shuffling, no dropout:
the two libraries' random streams differ), and must log the same losses step by step and end
with the same parameters.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch as real_torch

import chainrule
from nnpair import to_chainrule

RNG = np.random.default_rng(1234)
IMAGES = RNG.standard_normal((48, 1, 8, 8)).astype(np.float32)
LABELS = RNG.integers(0, 3, size=48)
TOKENS = RNG.integers(1, 20, size=(24, 7))
FEATURES = RNG.standard_normal((64, 5)).astype(np.float32)
TARGETS = (FEATURES @ RNG.standard_normal((5, 1))).astype(np.float32)


# ---------------------------------------------------------------- the scripts
def mlp_with_batchnorm(torch):
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 16),
        torch.nn.BatchNorm1d(16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    loss_fn = torch.nn.MSELoss()
    data = torch.utils.data.TensorDataset(torch.tensor(FEATURES), torch.tensor(TARGETS))
    loader = torch.utils.data.DataLoader(data, batch_size=16, shuffle=False)

    def train(epochs):
        losses = []
        for _ in range(epochs):
            model.train()
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            scheduler.step()
        return losses

    def evaluate():
        model.eval()
        with torch.no_grad():
            return model(torch.tensor(FEATURES)).numpy().copy()

    return model, (optimizer, scheduler), train, evaluate


def small_cnn(torch):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
            self.conv2 = torch.nn.Conv2d(4, 6, kernel_size=3, stride=1)
            self.pool = torch.nn.MaxPool2d(2)
            self.fc = torch.nn.Linear(6 * 2 * 2, 3)

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            x = torch.nn.functional.relu(self.conv2(x))
            return self.fc(torch.flatten(x, 1))

    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    data = torch.utils.data.TensorDataset(torch.tensor(IMAGES), torch.tensor(LABELS))
    loader = torch.utils.data.DataLoader(data, batch_size=12)

    def train(epochs):
        losses = []
        for _ in range(epochs):
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            scheduler.step()
        return losses

    def evaluate():
        with torch.no_grad():
            return torch.softmax(model(torch.tensor(IMAGES)), dim=1).numpy().copy()

    return model, (optimizer, scheduler), train, evaluate


def lstm_classifier(torch):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(20, 8, padding_idx=0)
            self.lstm = torch.nn.LSTM(8, 12, batch_first=True)
            self.norm = torch.nn.LayerNorm(12)
            self.head = torch.nn.Linear(12, 3)

        def forward(self, tokens):
            out, (h, c) = self.lstm(self.embed(tokens))
            return self.head(self.norm(out[:, -1]))

    model = Net()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=30)
    loss_fn = torch.nn.CrossEntropyLoss()
    data = torch.utils.data.TensorDataset(torch.tensor(TOKENS), torch.tensor(LABELS[:24]))
    loader = torch.utils.data.DataLoader(data, batch_size=8, drop_last=True)

    def train(epochs):
        losses = []
        for _ in range(epochs):
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
                optimizer.step()
                scheduler.step()
                losses.append(loss.item())
        return losses

    def evaluate():
        with torch.no_grad():
            return model(torch.tensor(TOKENS)).numpy().copy()

    return model, (optimizer, scheduler), train, evaluate


SCRIPTS = [mlp_with_batchnorm, small_cnn, lstm_classifier]


def _twins(script):
    t_model, t_opt, t_train, t_eval = script(real_torch)
    c_model, c_opt, c_train, c_eval = script(chainrule)
    c_model.load_state_dict(to_chainrule(t_model.state_dict()))
    return (t_model, t_opt, t_train, t_eval), (c_model, c_opt, c_train, c_eval)


def _assert_same_parameters(c_model, t_model, rtol=2e-4, atol=2e-5):
    t_state = t_model.state_dict()
    for name, value in c_model.state_dict().items():
        np.testing.assert_allclose(
            value.numpy(), t_state[name].numpy(), rtol=rtol, atol=atol, err_msg=name
        )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.__name__)
def test_training_script_gives_torch_numbers(script):
    (t_model, _, t_train, t_eval), (c_model, _, c_train, c_eval) = _twins(script)
    t_losses, c_losses = t_train(6), c_train(6)
    np.testing.assert_allclose(c_losses, t_losses, rtol=2e-4, atol=1e-5)
    assert c_losses[-1] < c_losses[0]  # the script really trains
    _assert_same_parameters(c_model, t_model)
    np.testing.assert_allclose(c_eval(), t_eval(), rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.__name__)
def test_checkpoint_and_resume_matches_an_uninterrupted_torch_run(script, tmp_path):
    (t_model, _, t_train, _), (c_model, (c_opt, c_sched), c_train, _) = _twins(script)
    t_losses = t_train(6)
    c_losses = c_train(3)
    path = tmp_path / "checkpoint.safetensors"
    chainrule.save(
        {
            "model": c_model.state_dict(),
            "optimizer": c_opt.state_dict(),
            "scheduler": c_sched.state_dict(),
            "epoch": 3,
        },
        path,
    )
    # A fresh process would rebuild everything from scratch and load the checkpoint.
    r_model, (r_opt, r_sched), r_train, _ = script(chainrule)
    checkpoint = chainrule.load(path)
    assert checkpoint["epoch"] == 3
    r_model.load_state_dict(checkpoint["model"])
    r_opt.load_state_dict(checkpoint["optimizer"])
    r_sched.load_state_dict(checkpoint["scheduler"])
    c_losses += r_train(3)
    np.testing.assert_allclose(c_losses, t_losses, rtol=2e-4, atol=1e-5)
    _assert_same_parameters(r_model, t_model)
