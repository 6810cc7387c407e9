"""Type stubs of the native module (``bindings/python/src``)."""

from typing import Any, Callable

import numpy as np

__version__: str
FIELDS: list[str]
RECIPES: list[str]
SIMD: str

class NativeModel:
    """A model: the network, its configuration, scaling and classes."""

    def outputs(self, x: np.ndarray) -> np.ndarray: ...
    @property
    def softmax(self) -> bool: ...
    @property
    def output_range(self) -> tuple[float, float]: ...
    @property
    def classes(self) -> list[str]: ...
    @property
    def weights(self) -> list[np.ndarray]: ...
    @property
    def biases(self) -> list[np.ndarray]: ...
    @property
    def sizes(self) -> list[int]: ...
    @property
    def image(self) -> tuple[int, int] | None: ...
    def info(self) -> dict[str, Any]: ...
    def save(self, path: str) -> None: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> NativeModel: ...
    @property
    def label_type(self) -> str | None: ...

def train_arrays(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray | None,
    y_test: np.ndarray | None,
    classes: list[str],
    fields: list[tuple[str, str]],
    recipe: str | None = None,
    scale: str | None = None,
    threads: int | None = None,
    on_epoch: Callable[[dict[str, Any]], Any] | None = None,
    init: NativeModel | None = None,
    label_type: str | None = None,
) -> tuple[dict[str, Any], NativeModel]: ...
def train_data(
    data: str,
    fields: list[tuple[str, str]],
    recipe: str | None = None,
    threads: int | None = None,
    on_epoch: Callable[[dict[str, Any]], Any] | None = None,
    init: NativeModel | None = None,
) -> tuple[dict[str, Any], NativeModel]: ...
def load_model(path: str) -> NativeModel: ...
def load_data(
    spec: str,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], list[str]]: ...
def sweep(
    out: str,
    tables: str | None = None,
    config: str | None = None,
    data: str | None = None,
    threads: int | None = None,
    resume: bool = True,
    report: bool = True,
    save_models: bool = False,
) -> list[dict[str, Any]]: ...
def read_records(out: str) -> list[dict[str, Any]]: ...
