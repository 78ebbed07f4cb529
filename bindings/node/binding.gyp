{
  "variables": { "librsl%": "<(module_root_dir)/../../build/librsl.a" },
  "targets": [
    {
      "target_name": "rulestead",
      "sources": ["src/addon.c", "src/context.c"],
      "include_dirs": ["../../loader"],
      "defines": ["_POSIX_C_SOURCE=200809L"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "libraries": [
        "<(librsl)",
        "<!@(pkg-config --libs libsodium libxxhash)",
        "-lpthread"
      ]
    }
  ]
}
