"""The Vagrantfile and machines.yaml, tested for real."""
