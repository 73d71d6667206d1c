"""mapio::Error reaches Python as mapio.Error, raised as the OSError subclass of its errno."""

import errno
import os
import pickle

import pytest

import mapio


def test_missing_file_is_file_not_found_and_mapio_error(tmp_path):
    missing = tmp_path / "missing.bin"
    with pytest.raises(FileNotFoundError) as caught:
        mapio.MappedFile.open(missing)
    e = caught.value
    assert isinstance(e, mapio.Error) and isinstance(e, OSError)
    assert e.errno == errno.ENOENT
    assert e.strerror == os.strerror(errno.ENOENT)
    assert e.filename == str(missing)
    assert str(e) == f"open {missing}: No such file or directory (ENOENT)"
    assert e.operation == "open"


def test_except_mapio_error_catches_it_too(tmp_path):
    with pytest.raises(mapio.Error):
        mapio.MappedFile.open(tmp_path / "missing")


def test_directory_is_a_directory_error(tmp_path):
    with pytest.raises(IsADirectoryError) as caught:
        mapio.MappedFile.open(tmp_path)
    assert isinstance(caught.value, mapio.Error)
    assert caught.value.errno == errno.EISDIR


def test_offset_past_the_end_is_a_value_error_with_mapio_explanation(tmp_path):
    path = tmp_path / "ten.bin"
    path.write_bytes(b"0123456789")
    with pytest.raises(ValueError) as caught:
        mapio.MappedFile.open(path, offset=11)
    e = caught.value
    assert isinstance(e, mapio.Error)
    assert e.errno == errno.ERANGE
    assert "past the end of the file (10 bytes)" in str(e)
    assert e.explanation and e.explanation in str(e)


def test_refused_seal_is_permission_error():
    name = f"/mapio-test-errors-{os.getpid()}"
    shm = mapio.SharedMemory.create(name, 4096)  # POSIX shm cannot be sealed
    try:
        with pytest.raises(PermissionError) as caught:
            shm.seal(mapio.Seal.shrink)
        assert isinstance(caught.value, mapio.Error)
    finally:
        mapio.SharedMemory.unlink(name)
        shm.close()


def test_existing_name_is_file_exists_error():
    name = f"/mapio-test-exists-{os.getpid()}"
    first = mapio.SharedMemory.create(name, 4096)
    try:
        with pytest.raises(FileExistsError) as caught:
            mapio.SharedMemory.create(name, 4096)
        assert caught.value.errno == errno.EEXIST
    finally:
        mapio.SharedMemory.unlink(name)
        first.close()


def test_bad_arguments_are_value_and_type_errors(text_file):
    with pytest.raises(ValueError):
        mapio.MappedFile.open(text_file, mode="w")
    with pytest.raises(TypeError):
        mapio.MappedFile.open(text_file, offset="zero")
    with pytest.raises(ValueError):
        mapio.count_lines(text_file, method="psychic")


def test_errors_pickle_with_their_class_and_message(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        mapio.MappedFile.open(tmp_path / "missing")
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is type(caught.value)
    assert str(again) == str(caught.value) and again.errno == errno.ENOENT
