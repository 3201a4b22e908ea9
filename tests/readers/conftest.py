def pytest_configure(config):
    config.addinivalue_line("markers", "slow: reads a whole real corpus (seconds); deselect with -m 'not slow'")
