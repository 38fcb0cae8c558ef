# The fuzz harnesses (tests/fuzz/fuzz_<name>.c) and the library each one reads through.
# Adding a harness: fuzz_<name>.c, a corpus/<name>/ folder, its name in the list below,
# a PT_FUZZ_LIBS_<name> line, and its name in FUZZERS in the Makefile.
set(PT_FUZZ_HARNESSES idx pamap2 safetensors trace store celeba powermetrics)
set(PT_FUZZ_LIBS_idx pt_data)
set(PT_FUZZ_LIBS_pamap2 pt_data)
set(PT_FUZZ_LIBS_safetensors pt_nn)
set(PT_FUZZ_LIBS_trace pt_meter)
set(PT_FUZZ_LIBS_store pt_store)
set(PT_FUZZ_LIBS_celeba pt_data)
set(PT_FUZZ_LIBS_powermetrics pt_meter)
