"""The project's tests, their tree mirroring checker/.

engine/, classroom/ and unit/ (checker's top-level modules) test the package; docker/, docs/,
selftests/ and bench/ prove the whole on the real engine.
"""
