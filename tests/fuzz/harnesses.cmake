# The fuzz harnesses (tests/fuzz/fuzz_<name>.c) and the library each one reads through.
# Adding a harness: fuzz_<name>.c, a corpus/<name>/ folder, its name in the list below,
# a PT_FUZZ_LIBS_<name> line, and its name in FUZZERS in the Makefile. A harness may
# also compile sources of its own (PT_FUZZ_SOURCES_<name>) with definitions
# (PT_FUZZ_DEFS_<name>).
set(PT_FUZZ_HARNESSES idx pamap2 safetensors trace store celeba powermetrics image marks checkpoint resume cli)
set(PT_FUZZ_LIBS_idx pt_data)
set(PT_FUZZ_LIBS_pamap2 pt_data)
set(PT_FUZZ_LIBS_safetensors pt_nn)
set(PT_FUZZ_LIBS_trace pt_meter)
set(PT_FUZZ_LIBS_store pt_store)
set(PT_FUZZ_LIBS_celeba pt_data)
set(PT_FUZZ_LIBS_powermetrics pt_meter)
set(PT_FUZZ_LIBS_image pt_data)
set(PT_FUZZ_LIBS_marks pt_meter)
set(PT_FUZZ_LIBS_checkpoint pt_models pt_nn)
set(PT_FUZZ_LIBS_resume pt_nn)
# cli: the powertrain command's own sources, whatever fragment added them (every
# verb), main.c without its main (PT_CLI_NO_MAIN), and the libraries it links.
get_target_property(pt_fuzz_cli_sources powertrain SOURCES)
set(PT_FUZZ_SOURCES_cli)
foreach(s ${pt_fuzz_cli_sources})
  if(NOT IS_ABSOLUTE ${s})
    set(s ${PROJECT_SOURCE_DIR}/${s})
  endif()
  list(APPEND PT_FUZZ_SOURCES_cli ${s})
endforeach()
get_target_property(PT_FUZZ_LIBS_cli powertrain LINK_LIBRARIES)
set(PT_FUZZ_DEFS_cli PT_CLI_NO_MAIN)
