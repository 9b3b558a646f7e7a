"""The project's tests, their tree mirroring checker/.

engine/, classroom/, examiner/ and unit/ (checker's top-level modules) test the package;
docker/, docs/, selftests/, vm/ and bench/ prove the whole on the real engine.
"""
