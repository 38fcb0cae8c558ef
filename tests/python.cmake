# The Python binding (pytest under Debian's /usr/bin/python3, python3-pytest)
# and the examples. The C example and its C++ compile run in every build; the
# pytest tests not under PT_SANITIZE (an ASan library cannot be loaded into
# python without preloading the runtime).

# Sizes and offsets of the public structs, for test_layout.py.
add_executable(pt_py_layout ${PROJECT_SOURCE_DIR}/tests/python/layout.c)
target_include_directories(pt_py_layout PRIVATE ${PROJECT_SOURCE_DIR}/include)

if(TARGET meter_in_c)
  add_test(NAME example_meter_in_c COMMAND meter_in_c 2 10 20)
  set_tests_properties(example_meter_in_c PROPERTIES TIMEOUT 120
    PASS_REGULAR_EXPRESSION "epoch 2: [0-9.]+ J in [0-9.]+ s \\((counter|eq1|estimated: not a measurement)\\)")
  # The header and the example are also C++.
  find_program(PT_CXX NAMES c++ g++ clang++)
  if(PT_CXX)
    add_test(NAME example_meter_in_c_as_cxx
      COMMAND ${PT_CXX} -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only
              -I${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/examples/meter_in_c.c)
  endif()
endif()

if(NOT PT_SANITIZE)
  find_program(PT_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
  set(PT_HAVE_PYTEST OFF)
  if(PT_PYTHON3)
    execute_process(COMMAND ${PT_PYTHON3} -c "import pytest"
                    RESULT_VARIABLE PT_PYTEST_RC OUTPUT_QUIET ERROR_QUIET)
    if(PT_PYTEST_RC EQUAL 0)
      set(PT_HAVE_PYTEST ON)
    endif()
  endif()
  if(PT_HAVE_PYTEST)
    message(STATUS "powertrain: Python binding tests with ${PT_PYTHON3} and pytest")
    set(PT_PY_ENV
      "POWERTRAIN_METER_LIB=$<TARGET_FILE:powertrain-meter>"
      "PT_FAKE_NVML=$<TARGET_FILE:fake_nvml>"
      "PT_POWERTRAIN_BIN=$<TARGET_FILE:powertrain>"
      "PT_PY_LAYOUT=$<TARGET_FILE:pt_py_layout>"
      "PT_PY_STAGE=${CMAKE_BINARY_DIR}/python"
      "PT_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python"
      "PYTHONDONTWRITEBYTECODE=1")
    # One ctest test per file, so that ctest -j runs them side by side.
    foreach(t meter layout library json_shape pip_install example_no_torch example_pytorch report_epoch)
      add_test(NAME python_${t}
        COMMAND ${PT_PYTHON3} -m pytest -q -rs -p no:cacheprovider
                ${PROJECT_SOURCE_DIR}/tests/python/test_${t}.py)
      set_tests_properties(python_${t} PROPERTIES TIMEOUT 300 ENVIRONMENT "${PT_PY_ENV}")
    endforeach()
    # Without python3-torch the PyTorch example's tests skip: ctest says so.
    set_tests_properties(python_example_pytorch PROPERTIES
      SKIP_REGULAR_EXPRESSION "SKIPPED .*python3-torch is not installed")
  else()
    message(STATUS "powertrain: Python binding tests skipped (no /usr/bin/python3 with pytest: "
                   "apt-get install python3-pytest)")
  endif()
endif()
