"""pip install bindings/python: the rulestead package, built with cffi
against an installed librsl (`make install`, found with `pkg-config rsl`;
set PKG_CONFIG_PATH for a non-standard prefix).  Offline with Debian's
python3-cffi: pip install --no-build-isolation bindings/python"""
import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def version():
    # The version is librsl's, defined once in rsl.h: ask pkg-config.
    import subprocess
    out = subprocess.run(["pkg-config", "--modversion", "rsl"],
                         capture_output=True, text=True)
    v = out.stdout.strip()
    if out.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", v):
        raise SystemExit("rulestead: librsl is not installed where pkg-config "
                         "finds it (make install; PKG_CONFIG_PATH=...): "
                         + out.stderr.strip())
    return v


setup(
    name="rulestead",
    version=version(),
    description="Rulestead feature flags for Python: librsl through cffi",
    packages=["rulestead"],
    package_data={"rulestead": ["py.typed"]},
    python_requires=">=3.8",
    setup_requires=["cffi>=1.12"],
    install_requires=["cffi>=1.12"],
    cffi_modules=["rulestead_build.py:ffibuilder"],
    zip_safe=False,
)
