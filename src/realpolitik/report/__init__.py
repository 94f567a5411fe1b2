"""Plots, briefings and the HTML report."""
