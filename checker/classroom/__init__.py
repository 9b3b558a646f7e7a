"""The classroom: a roster of learners, their environments, and authoritative grading.

The same checks a learner runs with `lab check` grade the whole class from the instructor's
machine: `roster` reads who is in the class, `fleet` brings one container per learner up and
down, `identity` seeds and keeps a per-learner nonce, `grader` checks every target in parallel
`batches` and `probe`s whose each environment is, `gradebook` keeps the results in SQLite,
`output` writes the exports and `commands` is the CLI (ARCHITECTURE.md has the whole map).
"""
