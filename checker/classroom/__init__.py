"""The classroom: a roster of learners, their environments, and authoritative grading.

The same checks a learner runs with `lab check` grade the whole class from the instructor's
machine: `roster` reads who is in the class, `environments` brings one container per learner up
and down, `identity` seeds and verifies a per-learner nonce, `grader` runs the checks on every
target in parallel, `gradebook` keeps the results in SQLite and `commands` is the CLI.
"""
