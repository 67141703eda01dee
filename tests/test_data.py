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


def _cifar_archive(folder, per_class):
    """A tiny CIFAR-10 JPEG copy in the offline layout; image i of class c is a flat grey 8*c+i."""
    import io
    import tarfile

    from PIL import Image

    with tarfile.open(folder / data.CIFAR10_JPEG, "w:gz") as tar:
        for split, n in per_class.items():
            for c, name in enumerate(data.CIFAR10_CLASSES):
                for i in range(n):
                    buffer = io.BytesIO()
                    Image.new("RGB", (32, 32), (8 * c + i,) * 3).save(buffer, "JPEG", quality=100)
                    member = tarfile.TarInfo(f"{split}/{name}/{i:04d}.jpg")
                    member.size = buffer.tell()
                    buffer.seek(0)
                    tar.addfile(member, buffer)


@pytest.fixture
def unwritable_cache(tmp_path, monkeypatch):
    """A cache that cannot be created (as in a grading sandbox the grader did not prepare)."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))


def test_the_offline_cifar10_copy_interleaves_classes_so_prefixes_are_balanced(
    tmp_path, monkeypatch, unwritable_cache
):
    _cifar_archive(tmp_path, {"train": 2, "test": 1})
    monkeypatch.setenv(data.DATA_VAR, str(tmp_path))
    x_train, y_train, x_test, y_test = data.load_cifar10(n_train=13, n_test=10)
    assert x_train.shape == (13, 3, 32, 32) and x_train.dtype.is_floating_point is False
    assert y_train.tolist() == [*range(10), 0, 1, 2] and y_test.tolist() == list(range(10))
    grey = x_train[:, 0, 16, 16].int()  # JPEG is lossy: a flat grey comes back within 2 levels
    assert all(abs(int(g) - (8 * (k % 10) + k // 10)) <= 2 for k, g in enumerate(grey))


def test_asking_for_more_cifar10_images_than_the_copy_holds_says_so(
    tmp_path, monkeypatch, unwritable_cache
):
    _cifar_archive(tmp_path, {"train": 1, "test": 1})
    monkeypatch.setenv(data.DATA_VAR, str(tmp_path))
    with pytest.raises(ValueError, match="lacks 10 of the images"):
        data.load_cifar10(n_train=20, n_test=0)
    with pytest.raises(ValueError, match="test split holds 10000 images"):
        data.load_cifar10(n_train=0, n_test=10001)


def test_the_first_cifar10_load_decodes_the_copy_into_the_cache_and_later_ones_read_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(data, "CIFAR10_PER_CLASS", {"train": 2, "test": 1})  # a tiny "copy"
    _cifar_archive(tmp_path, {"train": 2, "test": 1})
    monkeypatch.setenv(data.DATA_VAR, str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = data.load_cifar10(n_train=13, n_test=10)
    cached = sorted(p.name for p in (tmp_path / "cache" / "practicals").iterdir())
    assert [name.split("-")[-1] for name in cached] == ["test.npy", "train.npy"]

    def no_decoding(*args):
        raise AssertionError("the copy was decoded again")

    monkeypatch.setattr(data, "_decode_cifar10_jpeg", no_decoding)
    again = data.load_cifar10(n_train=13, n_test=10)
    assert all(a.equal(b) for a, b in zip(first, again, strict=True))
    assert again[0].shape == (13, 3, 32, 32) and again[1].tolist() == [*range(10), 0, 1, 2]
