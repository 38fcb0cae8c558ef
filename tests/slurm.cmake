# A study on a real single-node SLURM cluster (Debian's slurm-wlm + munge,
# started and stopped by tests/slurm/): Release build only. Skips (77) only
# where SLURM is not installed; `make deps` installs it.
if(NOT PT_SANITIZE)
  add_test(NAME slurm_cluster COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm/test_slurm.sh $<TARGET_FILE:powertrain>)
  set_tests_properties(slurm_cluster PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endif()
# --slurm without a cluster (dry run, a fake sbatch, the scripts run by bash): both builds.
add_test(NAME slurm_scripts COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm_scripts.sh $<TARGET_FILE:powertrain>)
set_tests_properties(slurm_scripts PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
# the quoting and refusals behind the scripts (util/str.h pt_shell_quote, pt_slurm_check_study)
pt_add_test(test_slurm_quote test_slurm_quote.c)
target_link_libraries(test_slurm_quote PRIVATE pt_study)
