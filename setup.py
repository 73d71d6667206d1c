"""Builds mapio's Python extension with the project's own CMake tree (pyproject.toml has the rest).

The extension is the CMake target mapio_python; this file configures a build with everything but
the library and that target switched off, builds it, and puts the module where setuptools packs it.
"""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        # MAPIO_PYTHON_BUILD_DIR: an already configured build tree (say build/release) to build the
        # extension in, instead of configuring a fresh one here.
        existing = os.environ.get("MAPIO_PYTHON_BUILD_DIR")
        build_dir = pathlib.Path(existing).resolve() if existing else pathlib.Path(self.build_temp).resolve() / "cmake"
        if not existing:
            build_dir.mkdir(parents=True, exist_ok=True)
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                            "-DCMAKE_BUILD_TYPE=Release", "-DMAPIO_BUILD_TESTS=OFF", "-DMAPIO_BUILD_EXAMPLES=OFF",
                            "-DMAPIO_BUILD_BENCH=OFF", "-DMAPIO_BUILD_TOOLS=OFF", "-DMAPIO_BUILD_PYTHON=ON",
                            f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "mapio_python", "-j", jobs], check=True)
        built = list((build_dir / "python" / "mapio").glob("_mapio*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one built extension in {build_dir / 'python' / 'mapio'}, found {built}")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(ext_modules=[Extension("mapio._mapio", sources=[])], cmdclass={"build_ext": CMakeBuild})
