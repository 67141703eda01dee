"""The data loaders' rule: the data folder, else a checksummed download, else a clear error."""

import hashlib

import pytest

from practicals import data


@pytest.fixture
def names_file(tmp_path, monkeypatch):
    """A fake names.txt whose checksum the loader expects."""
    content = b"emma\nolivia\nava\n"
    spec = data.DataFile("names.txt", "https://example.invalid/names.txt",
                         hashlib.sha256(content).hexdigest())  # fmt: skip
    monkeypatch.setitem(data.FILES, "names.txt", spec)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return content


def test_the_data_folder_comes_first(tmp_path, monkeypatch, names_file):
    (tmp_path / "names.txt").write_bytes(names_file)
    monkeypatch.setenv(data.DATA_VAR, str(tmp_path))
    assert data.load_names() == ["emma", "olivia", "ava"]


def test_a_download_is_checked_and_cached(monkeypatch, names_file, tmp_path):
    monkeypatch.delenv(data.DATA_VAR, raising=False)
    calls = []

    def fake_urlopen(url, timeout):  # the network is the edge we stub
        import io

        calls.append(url)
        return io.BytesIO(names_file)

    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen)
    assert data.load_names() == ["emma", "olivia", "ava"]
    assert data.load_names() == ["emma", "olivia", "ava"]
    assert len(calls) == 1  # the second call read the verified cache


def test_a_corrupt_download_is_refused(monkeypatch, names_file):
    import io

    monkeypatch.delenv(data.DATA_VAR, raising=False)
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"evil"))
    with pytest.raises(data.DataNotFoundError, match="checksum mismatch"):
        data.load_names()


def test_with_neither_the_error_says_what_was_tried_and_how_to_fix_it(monkeypatch, names_file):
    def offline(url, timeout):
        raise OSError("network is unreachable")

    monkeypatch.setenv(data.DATA_VAR, "/nonexistent")
    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    with pytest.raises(data.DataNotFoundError) as err:
        data.load_names()
    message = str(err.value)
    assert "/nonexistent/names.txt (from $PRACTICALS_DATA): not there" in message
    assert "network is unreachable" in message
    assert "set PRACTICALS_DATA" in message


def test_the_offline_mnist_copy_gives_disjoint_slices(tmp_path, monkeypatch):
    import numpy as np

    images = np.arange(5 * 28 * 28, dtype=np.uint8).reshape(5, 28, 28)
    np.savez(tmp_path / "mnist-test10k.npz", images=images, labels=np.arange(5))
    monkeypatch.setenv(data.DATA_VAR, str(tmp_path))
    x_train, y_train, x_test, y_test = data.load_mnist(n_train=2, n_test=3)
    assert y_train.tolist() == [0, 1] and y_test.tolist() == [2, 3, 4]
    with pytest.raises(ValueError, match="holds 5 images"):
        data.load_mnist(n_train=4, n_test=4)


def test_moons_are_seeded_and_balanced():
    x1, y1 = data.make_moons(50, seed=3)
    x2, y2 = data.make_moons(50, seed=3)
    assert x1 == x2 and y1 == y2 and sorted(set(y1)) == [-1, 1] and y1.count(1) == 25


def test_prefetch_runs_only_the_loaders_asked_for_and_reports_failures(monkeypatch, names_file):
    def offline(url, timeout):
        raise OSError("network is unreachable")

    monkeypatch.delenv(data.DATA_VAR, raising=False)
    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    assert data.prefetch(set()) == []
    problems = data.prefetch({"names", "not_a_data_set"})
    assert problems == ["Could not find the data file 'names.txt'. Tried:"]
