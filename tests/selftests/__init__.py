"""Every lab's self-test and the learner's loop through `lab`, on the real engine."""
