#!/usr/bin/env python3
"""Optuna's side of bench/engineOverhead.ts: the same space and objective, RDB storage on SQLite.
usage: engineOverhead.py DB tpe|random N SEED  -> JSON {"times": [seconds at the end of each trial]}"""
import json, sys, time
import optuna

db, algo, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
optuna.logging.set_verbosity(optuna.logging.WARNING)
sampler = optuna.samplers.TPESampler(seed=seed) if algo == "tpe" else optuna.samplers.RandomSampler(seed=seed)
study = optuna.create_study(study_name="bench", storage=f"sqlite:///{db}", direction="minimize", sampler=sampler)

def objective(t):
    s = 0.0
    for i in range(5):
        x = t.suggest_float(f"x{i}", -10.0, 10.0)
        s += (x - i) ** 2
    k = t.suggest_int("k", 1, 100, log=True)
    c = t.suggest_categorical("c", ["a", "b", "c"])
    return s + abs(k - 10) * 0.1 + (0.0 if c == "b" else 1.0)

times = []
t0 = time.perf_counter()
study.optimize(objective, n_trials=n, callbacks=[lambda s, t: times.append(time.perf_counter() - t0)])
print(json.dumps({"times": times, "version": optuna.__version__}))
