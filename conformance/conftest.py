import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "node_oracle"))
sys.path.insert(0, HERE)


def pytest_addoption(parser):
    parser.addoption("--live-oracle", action="store_true", default=False,
                     help="run the real Node client (node_oracle/) over every case")
