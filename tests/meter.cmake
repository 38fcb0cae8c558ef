# The meter core: exact windows over a replayed trace with a fake clock; threads.
pt_add_test(test_meter test_meter.c)
