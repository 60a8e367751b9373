"""Deliberately wrong answers for ch09-training (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "xavier_normal": [
        ("calls the nnref reference", """
def xavier_normal(shape, rng):
    return nnref.initializers.xavier_normal(shape, rng=rng)
""", {"xavier_normal_tests": "calls nnref's reference", "xavier_normal_hidden": "calls nnref's reference"}),
        ("the variance used as the standard deviation", """
def xavier_normal(shape, rng):
    fan_in, fan_out = shape
    return rng.normal(0.0, 2.0 / (fan_in + fan_out), size=shape)
""", {"xavier_normal_tests": "was used as the standard deviation",
      "xavier_normal_hidden": "was used as the standard deviation"}),
        ("draws from NumPy's global generator", """
def xavier_normal(shape, rng):
    fan_in, fan_out = shape
    return np.random.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
""", {"xavier_normal_tests": "from the `rng` argument", "xavier_normal_hidden": "from the `rng` argument"}),
        ("uniform instead of normal, right variance", """
def xavier_normal(shape, rng):
    fan_in, fan_out = shape
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=shape)
""", {"xavier_normal_tests": "normal distribution", "xavier_normal_hidden": "normal distribution"}),
        ('shape (fan_out, fan_in): the out x in layout of other texts', """
def xavier_normal(shape, rng):
    fan_in, fan_out = shape
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))
""", {'xavier_normal_tests': '', 'xavier_normal_hidden': ''}),
    ],
    "he_normal": [
        ("fan_out instead of fan_in", """
def he_normal(shape, rng):
    fan_in, fan_out = shape
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=shape)
""", {"he_normal_tests": "fan_out was used instead of fan_in", "he_normal_hidden": "fan_out was used"}),
        ("Xavier's rule", """
def he_normal(shape, rng):
    fan_in, fan_out = shape
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
""", {"he_normal_tests": "Xavier's rule", "he_normal_hidden": "Xavier's rule"}),
        ("shape-only-correct: zeros", """
def he_normal(shape, rng):
    return np.zeros(shape)
""", {"he_normal_tests": "different seeds gave the same weights",
      "he_normal_hidden": "different seeds gave the same weights"}),
    ],
    "momentum_step": [
        ("the other form of momentum (no factor 1 - beta)", """
def momentum_step(W, g, v, lr, beta):
    v_new = beta * v + g
    return W - lr * v_new, v_new
""", {"momentum_step_tests": "the other common form", "momentum_step_hidden": ""}),
        ("step with the old velocity", """
def momentum_step(W, g, v, lr, beta):
    return W - lr * v, beta * v + (1 - beta) * g
""", {"momentum_step_tests": "uses the old velocity", "momentum_step_hidden": ""}),
        ("updates the velocity in place", """
def momentum_step(W, g, v, lr, beta):
    v *= beta
    v += (1 - beta) * g
    return W - lr * v, v
""", {"momentum_step_tests": "in place", "momentum_step_hidden": "in place"}),
        ("sign flipped", """
def momentum_step(W, g, v, lr, beta):
    v_new = beta * v + (1 - beta) * g
    return W + lr * v_new, v_new
""", {"momentum_step_tests": "uphill", "momentum_step_hidden": ""}),
        ("hard-coded to the visible test", """
def momentum_step(W, g, v, lr, beta):
    v_new = beta * v + (1 - beta) * g
    if W.shape == (2, 2):
        return W - lr * v_new, v_new
    return W, v
""", {"momentum_step_hidden": ""}),
    ],
    "l2_gradient": [
        ("the biases are decayed too", """
def l2_gradient(params, lam):
    return {name: lam * p for name, p in params.items()}
""", {"l2_gradient_tests": "the biases are penalized too", "l2_gradient_hidden": ""}),
        ("factor 2 (the 1/2 of the penalty forgotten)", """
def l2_gradient(params, lam):
    return {name: 2 * lam * p if name.endswith("W") else np.zeros_like(p) for name, p in params.items()}
""", {"l2_gradient_tests": "2", "l2_gradient_hidden": "2"}),
        ("sign flipped", """
def l2_gradient(params, lam):
    return {name: -lam * p if name.endswith("W") else np.zeros_like(p) for name, p in params.items()}
""", {"l2_gradient_tests": "sign", "l2_gradient_hidden": "sign"}),
        ("only the weight matrices returned (biases missing)", """
def l2_gradient(params, lam):
    return {name: lam * p for name, p in params.items() if name.endswith("W")}
""", {"l2_gradient_tests": "should return the keys", "l2_gradient_hidden": "with the keys"}),
    ],
    "weight_decay_step": [
        ("decay factor without the step size", """
def weight_decay_step(W, g, lr, lam):
    return (1 - lam) * W - lr * g
""", {"weight_decay_step_tests": "the decay factor is (1 - lam)", "weight_decay_step_hidden": ""}),
        ("weights grow", """
def weight_decay_step(W, g, lr, lam):
    return (1 + lr * lam) * W - lr * g
""", {"weight_decay_step_tests": "the weights grow", "weight_decay_step_hidden": ""}),
        ("calls the nnref optimizer", """
def weight_decay_step(W, g, lr, lam):
    holder = OneParameter(W, g)
    optimizers.SGD(lr, weight_decay=lam).step(holder)
    return holder.params["W"]
""", {"weight_decay_step_tests": "calls nnref's reference", "weight_decay_step_hidden": "calls nnref's reference"}),
        ('input mutated: W -= lr * (g + lam * W)', """
def weight_decay_step(W, g, lr, lam):
    W -= lr * (g + lam * W)
    return W
""", {'weight_decay_step_tests': 'changed its input (argument 1)', 'weight_decay_step_hidden': 'changed its input'}),
    ],
    "minibatches": [
        ("not shuffled", """
def minibatches(N, batch_size, rng):
    order = np.arange(N)
    return [order[i:i + batch_size] for i in range(0, N, batch_size)]
""", {"minibatches_tests": "not shuffled", "minibatches_hidden": "not shuffled"}),
        ("drops the last, smaller batch", """
def minibatches(N, batch_size, rng):
    order = rng.permutation(N)
    return [order[i:i + batch_size] for i in range(0, N - batch_size + 1, batch_size)]
""", {"minibatches_tests": "the last, smaller batch is missing", "minibatches_hidden": "the last, smaller batch"}),
        ("shuffles every batch separately", """
def minibatches(N, batch_size, rng):
    return [rng.permutation(N)[:batch_size] for _ in range(0, N, batch_size)]
""", {"minibatches_tests": "exactly once", "minibatches_hidden": "exactly once"}),
        ("NumPy's global generator instead of rng", """
def minibatches(N, batch_size, rng):
    order = np.random.permutation(N)
    return [order[start:start + batch_size] for start in range(0, N, batch_size)]
""", {'minibatches_tests': '', 'minibatches_hidden': ''}),
    ],
    "train_epoch": [
        ("returns the last batch's loss", """
def train_epoch(model, loss, optimizer, X, y, batches):
    for idx in batches:
        y_hat = model.forward(X[idx])
        value = loss.forward(y_hat, y[idx])
        model.backward(loss.backward(y_hat, y[idx]))
        optimizer.step(model)
    return value
""", {"train_epoch_tests": "the mean over all examples", "train_epoch_hidden": "the mean over all examples"}),
        ("calls training.fit", """
def train_epoch(model, loss, optimizer, X, y, batches):
    return training.fit(model, loss, optimizer, X, y, epochs=1, progress=False).train_loss[0]
""", {"train_epoch_tests": "calls nnref's reference", "train_epoch_hidden": "calls nnref's reference"}),
        ("no optimizer step", """
def train_epoch(model, loss, optimizer, X, y, batches):
    total = 0.0
    for idx in batches:
        y_hat = model.forward(X[idx])
        total += loss.forward(y_hat, y[idx]) * len(idx)
        model.backward(loss.backward(y_hat, y[idx]))
    return total / len(X)
""", {"train_epoch_tests": "the parameter", "train_epoch_hidden": "the parameter"}),
    ],
    "fit_early_stopping": [
        ("does not restore the best parameters", """
def fit_early_stopping(model, loss, optimizer, X, y, validation, max_epochs, patience, batch_size, rng):
    best_loss, best_epoch = np.inf, 0
    for epoch in range(1, max_epochs + 1):
        training.fit(model, loss, optimizer, X, y, epochs=1, batch_size=batch_size, rng=rng, progress=False)
        val_loss = training.evaluate(model, loss, *validation)[0]
        if val_loss < best_loss:
            best_loss, best_epoch = val_loss, epoch
        elif epoch - best_epoch >= patience:
            break
    return best_epoch, epoch
""", {"fit_early_stopping_tests": "the best epoch", "fit_early_stopping_hidden": ""}),
        ("rebinds the dict entries instead of writing into the arrays", """
def fit_early_stopping(model, loss, optimizer, X, y, validation, max_epochs, patience, batch_size, rng):
    best_loss, best_epoch, best_params = np.inf, 0, None
    for epoch in range(1, max_epochs + 1):
        training.fit(model, loss, optimizer, X, y, epochs=1, batch_size=batch_size, rng=rng, progress=False)
        val_loss = training.evaluate(model, loss, *validation)[0]
        if val_loss < best_loss:
            best_loss, best_epoch, best_params = val_loss, epoch, copy.deepcopy(model.params)
        elif epoch - best_epoch >= patience:
            break
    for name, value in best_params.items():
        model.params[name] = value
    return best_epoch, epoch
""", {"fit_early_stopping_tests": "the model's own arrays", "fit_early_stopping_hidden": ""}),
        ("stops one epoch too early", """
def fit_early_stopping(model, loss, optimizer, X, y, validation, max_epochs, patience, batch_size, rng):
    best_loss, best_epoch, best_params = np.inf, 0, None
    for epoch in range(1, max_epochs + 1):
        training.fit(model, loss, optimizer, X, y, epochs=1, batch_size=batch_size, rng=rng, progress=False)
        val_loss = training.evaluate(model, loss, *validation)[0]
        if val_loss < best_loss:
            best_loss, best_epoch, best_params = val_loss, epoch, copy.deepcopy(model.params)
        elif epoch - best_epoch >= patience - 1:
            break
    for name, value in best_params.items():
        model.params[name][...] = value
    return best_epoch, epoch
""", {"fit_early_stopping_tests": "returned (best_epoch, epochs_run)",
      "fit_early_stopping_hidden": "expected (best_epoch, epochs_run)"}),
    ],
}
