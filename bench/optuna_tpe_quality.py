"""Optuna side of bench/samplerQuality.ts: the real Optuna TPESampler(seed=s), in memory (no storage,
so only sampling is compared), on the same test functions. Reads the run plan as JSON on stdin and
prints {"function": [best value per seed, ...], ...} as JSON.

The function definitions must stay identical to FUNCTIONS in qualityFunctions.ts.
"""
import json
import math
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")

MIXED_OFFSET = {"relu": 0.6, "tanh": 0.3, "gelu": 0.0, "silu": 0.9}


def sphere3(t):
    return sum(t.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(3))


def rosenbrock2(t):
    x = t.suggest_float("x", -5.0, 5.0)
    y = t.suggest_float("y", -5.0, 5.0)
    return 100.0 * (y - x * x) ** 2 + (1.0 - x) ** 2


def rastrigin4(t):
    xs = [t.suggest_float(f"x{i}", -5.12, 5.12) for i in range(4)]
    return 10.0 * len(xs) + sum(x * x - 10.0 * math.cos(2.0 * math.pi * x) for x in xs)


def mixed(t):
    act = t.suggest_categorical("act", ["relu", "tanh", "gelu", "silu"])
    lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = t.suggest_int("layers", 1, 8)
    dropout = t.suggest_float("dropout", 0.0, 0.5, step=0.05)
    return MIXED_OFFSET[act] + (math.log10(lr) + 3.0) ** 2 / 4.0 + abs(layers - 3) / 5.0 + (dropout - 0.2) ** 2 * 4.0


FUNCTIONS = {"sphere3": sphere3, "rosenbrock2": rosenbrock2, "rastrigin4": rastrigin4, "mixed": mixed}


def main():
    plan = json.loads(sys.stdin.read())
    # The plan is echoed so that a saved output can be checked against the run it claims to be.
    out = {"optuna": optuna.__version__, "plan": plan, "best": {}, "seconds": {}}
    for name in plan["functions"]:
        bests = []
        t0 = time.perf_counter()
        for seed in plan["seeds"]:
            study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(FUNCTIONS[name], n_trials=plan["trials"])
            bests.append(study.best_value)
        out["best"][name] = bests
        out["seconds"][name] = time.perf_counter() - t0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
