# The fuzz harnesses (tests/fuzz/fuzz_<name>.c) and the library each one reads through.
# One line per harness: adding a harness is a fuzz_<name>.c, a corpus/<name>/ folder
# and a line here.
set(PT_FUZZ_HARNESSES idx pamap2 safetensors trace store)
set(PT_FUZZ_LIBS_idx pt_data)
set(PT_FUZZ_LIBS_pamap2 pt_data)
set(PT_FUZZ_LIBS_safetensors pt_nn)
set(PT_FUZZ_LIBS_trace pt_meter)
set(PT_FUZZ_LIBS_store pt_store)
