"""`make bench`: each benchmark runs its baselines and our code on the same workload, in the same
process and run, and reports figures and ratios (our time over the baseline's: lower is better).
"""
