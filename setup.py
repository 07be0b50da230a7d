"""Build: CMake compiles csrc/ into libblawk.a, then Cython's _core links it.

`pip install .` runs this.  Environment knobs:
  BLAWK_SANITIZE=1   build the C library and the extension with ASan + UBSan
  BLAWK_WERROR=1     treat C warnings as errors
  BLAWK_BUILD_TYPE   CMake build type (default Release)
"""

import os
import shutil
import subprocess
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def _cmake() -> str:
    exe = shutil.which("cmake")
    if exe is None:
        try:  # the `cmake` PyPI package (a build requirement) ships the binary
            import cmake

            exe = str(Path(cmake.CMAKE_BIN_DIR) / "cmake")
        except ImportError as exc:
            raise RuntimeError("blawk needs CMake >= 3.18 to build (pip install cmake)") from exc
    return exe


class CMakeBuildExt(build_ext):
    """Builds libblawk.a with CMake before compiling the extension against it."""

    def run(self) -> None:
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        # pip builds in a fresh isolated environment each time: a cache from an
        # earlier build names a cmake/ninja that no longer exists, so configure anew
        # (ninja still skips the objects whose commands did not change)
        (build_dir / "CMakeCache.txt").unlink(missing_ok=True)
        shutil.rmtree(build_dir / "CMakeFiles", ignore_errors=True)
        flag = lambda name: "ON" if os.environ.get(name, "") not in ("", "0") else "OFF"  # noqa: E731
        cfg = [
            _cmake(), "-S", str(ROOT), "-B", str(build_dir),
            f"-DCMAKE_BUILD_TYPE={os.environ.get('BLAWK_BUILD_TYPE', 'Release')}",
            f"-DBLAWK_SANITIZE={flag('BLAWK_SANITIZE')}",
            f"-DBLAWK_WERROR={flag('BLAWK_WERROR')}",
        ]
        if shutil.which("ninja") or _has_module("ninja"):
            cfg += ["-G", "Ninja"]
            if not shutil.which("ninja"):
                import ninja

                cfg.append(f"-DCMAKE_MAKE_PROGRAM={Path(ninja.BIN_DIR) / 'ninja'}")
        subprocess.check_call(cfg)
        subprocess.check_call([_cmake(), "--build", str(build_dir), "--parallel", "2"])
        for ext in self.extensions:
            ext.library_dirs.append(str(build_dir))
            if flag("BLAWK_SANITIZE") == "ON":
                ext.extra_compile_args += ["-fsanitize=address,undefined"]
                ext.extra_link_args += ["-fsanitize=address,undefined"]
        super().run()


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


extensions = [
    Extension(
        "blawk._core",
        sources=["blawk/_core.pyx"],
        include_dirs=[str(ROOT / "csrc" / "include"), str(ROOT / "csrc")],
        libraries=["blawk", "m", "pthread"],
        extra_compile_args=["-O2"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    Extension(
        "blawk.lang._fastread",
        sources=["blawk/lang/_fastread.pyx"],
        extra_compile_args=["-O2"],
    ),
]

setup(
    ext_modules=cythonize(extensions, language_level=3),
    cmdclass={"build_ext": CMakeBuildExt},
)
