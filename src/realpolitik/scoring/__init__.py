"""Scoring forecasts against what happened: proper scores, baselines, backtests, ablation."""
