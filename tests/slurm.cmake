# A study on a real single-node SLURM cluster (Debian's slurm-wlm + munge,
# started and stopped by tests/slurm/): Release build only. Skips (77), with
# the reason, where SLURM is not installed (`make deps` installs it) or its
# daemons cannot start on this host. slurm_cluster_no_cgroup runs it again in a
# mount namespace without a cgroup filesystem (issue 17, defect 15); it skips
# where no mount namespace can be made.
if(NOT PT_SANITIZE)
  add_test(NAME slurm_cluster COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm/test_slurm.sh $<TARGET_FILE:powertrain>)
  add_test(NAME slurm_cluster_no_cgroup
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm/no_cgroup.sh $<TARGET_FILE:powertrain>)
  set_tests_properties(slurm_cluster slurm_cluster_no_cgroup PROPERTIES
                       TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endif()
# --slurm without a cluster (dry run, a fake sbatch, the scripts run by bash): both builds.
add_test(NAME slurm_scripts COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm_scripts.sh $<TARGET_FILE:powertrain>)
set_tests_properties(slurm_scripts PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
# the quoting and refusals behind the scripts (util/str.h pt_shell_quote, pt_slurm_check_study)
pt_add_test(test_slurm_quote test_slurm_quote.c)
target_link_libraries(test_slurm_quote PRIVATE pt_study)
