/* layout.c -- prints the size of every public struct of powertrain/meter.h and
 * the offset of each field, as JSON, for test_layout.py to compare with the
 * ctypes mirrors of the Python binding. */
#include <stddef.h>
#include <stdio.h>

#include <powertrain/meter.h>

#define FIELD(T, f) printf("%s\"%s\":%zu", first++ ? "," : "", #f, offsetof(T, f))
#define BEGIN(T) (first = 0, printf("%s\"%s\":{\"sizeof\":%zu,\"fields\":{", nstruct++ ? "," : "", #T, sizeof(T)))
#define END() printf("}}")

int main(void) {
    int first = 0, nstruct = 0;
    printf("{");
    BEGIN(pt_meter_config);
    FIELD(pt_meter_config, interval_ms);
    FIELD(pt_meter_config, sources);
    FIELD(pt_meter_config, gpus);
    FIELD(pt_meter_config, cpu_tdp_w);
    FIELD(pt_meter_config, attribute_pid);
    FIELD(pt_meter_config, trace_path);
    FIELD(pt_meter_config, warn);
    FIELD(pt_meter_config, warn_ctx);
    FIELD(pt_meter_config, quiet_short_windows);
    END();
    BEGIN(pt_meter_component);
    FIELD(pt_meter_component, name);
    FIELD(pt_meter_component, source);
    FIELD(pt_meter_component, model);
    FIELD(pt_meter_component, id);
    FIELD(pt_meter_component, bus_id);
    FIELD(pt_meter_component, kind);
    FIELD(pt_meter_component, method);
    FIELD(pt_meter_component, has_counter);
    FIELD(pt_meter_component, billed);
    FIELD(pt_meter_component, power_limit_w);
    FIELD(pt_meter_component, wrap_j);
    FIELD(pt_meter_component, update_period_s);
    FIELD(pt_meter_component, note);
    FIELD(pt_meter_component, idle_w);
    END();
    BEGIN(pt_meter_source);
    FIELD(pt_meter_source, name);
    FIELD(pt_meter_source, available);
    FIELD(pt_meter_source, status);
    END();
    BEGIN(pt_meter_energy);
    FIELD(pt_meter_energy, method);
    FIELD(pt_meter_energy, energy_j);
    FIELD(pt_meter_energy, counter_j);
    FIELD(pt_meter_energy, eq1_j);
    FIELD(pt_meter_energy, mean_w);
    FIELD(pt_meter_energy, peak_w);
    FIELD(pt_meter_energy, samples);
    FIELD(pt_meter_energy, process_j);
    FIELD(pt_meter_energy, degraded);
    FIELD(pt_meter_energy, machine_j);
    FIELD(pt_meter_energy, job_j);
    FIELD(pt_meter_energy, attribution);
    FIELD(pt_meter_energy, other_cpu_share);
    FIELD(pt_meter_energy, gpu_shared);
    END();
    BEGIN(pt_meter_window);
    FIELD(pt_meter_window, label);
    FIELD(pt_meter_window, start_s);
    FIELD(pt_meter_window, end_s);
    FIELD(pt_meter_window, open);
    FIELD(pt_meter_window, short_window);
    FIELD(pt_meter_window, degraded);
    FIELD(pt_meter_window, energy_j);
    FIELD(pt_meter_window, method);
    FIELD(pt_meter_window, process_j);
    FIELD(pt_meter_window, machine_j);
    FIELD(pt_meter_window, job_j);
    FIELD(pt_meter_window, attribution);
    FIELD(pt_meter_window, other_cpu_share);
    FIELD(pt_meter_window, gpu_shared);
    END();
    printf(",\"enums\":{\"sizeof_method\":%zu,\"sizeof_kind\":%zu,\"PT_METER_NAME_MAX\":%d,"
           "\"PT_METER_TEXT_MAX\":%d,\"PT_SOURCE_NVML\":%u,\"PT_SOURCE_RAPL\":%u,"
           "\"PT_SOURCE_ESTIMATE\":%u,\"PT_SOURCE_TRACE\":%u,\"PT_SOURCE_AMDSMI\":%u,\"PT_SOURCE_ALL\":%u,"
           "\"PT_METHOD_COUNTER\":%d,\"PT_METHOD_EQ1\":%d,\"PT_METHOD_ESTIMATED\":%d,"
           "\"PT_KIND_CPU\":%d,\"PT_KIND_DRAM\":%d,\"PT_KIND_GPU\":%d,\"PT_KIND_PSYS\":%d,"
           "\"PT_KIND_OTHER\":%d}}\n",
           sizeof(pt_meter_method), sizeof(pt_meter_kind), PT_METER_NAME_MAX, PT_METER_TEXT_MAX,
           PT_SOURCE_NVML, PT_SOURCE_RAPL, PT_SOURCE_ESTIMATE, PT_SOURCE_TRACE, PT_SOURCE_AMDSMI, PT_SOURCE_ALL,
           PT_METHOD_COUNTER, PT_METHOD_EQ1, PT_METHOD_ESTIMATED, PT_KIND_CPU, PT_KIND_DRAM,
           PT_KIND_GPU, PT_KIND_PSYS, PT_KIND_OTHER);
    return 0;
}
