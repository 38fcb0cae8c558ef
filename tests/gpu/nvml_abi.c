/* nvml_abi.c -- compile-time check of src/meter/nvml.c's hand-written slice of
 * NVML's ABI against a real nvml.h (tests/gpu/run.sh compiles it with
 * -fsyntax-only where the CUDA toolkit ships nvml.h; no linking, no GPU).
 * A mismatch is a compile error naming the field or entry point. Keep the
 * mirror below in step with src/meter/nvml.c. */
#include <stddef.h>

#include <nvml.h>

/* src/meter/nvml.c's declarations, renamed */
typedef int pt_nvmlReturn_t;
typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} pt_nvmlPciInfo_t;
#define PT_GPU_TEXT 96

#define SAME_FIELD(f) \
    _Static_assert(offsetof(pt_nvmlPciInfo_t, f) == offsetof(nvmlPciInfo_t, f) && \
                       sizeof(((pt_nvmlPciInfo_t *)0)->f) == sizeof(((nvmlPciInfo_t *)0)->f), "nvmlPciInfo_t." #f)
SAME_FIELD(busIdLegacy);
SAME_FIELD(domain);
SAME_FIELD(bus);
SAME_FIELD(device);
SAME_FIELD(pciDeviceId);
SAME_FIELD(pciSubSystemId);
SAME_FIELD(busId);
_Static_assert(sizeof(pt_nvmlPciInfo_t) == sizeof(nvmlPciInfo_t), "sizeof nvmlPciInfo_t");
_Static_assert(sizeof(pt_nvmlReturn_t) == sizeof(nvmlReturn_t), "nvmlReturn_t is an int-sized enum");
_Static_assert(NVML_SUCCESS == 0, "NVML_SUCCESS");
_Static_assert(NVML_ERROR_NOT_SUPPORTED == 3, "NVML_ERROR_NOT_SUPPORTED");
_Static_assert(NVML_DEVICE_NAME_V2_BUFFER_SIZE <= PT_GPU_TEXT, "name buffer");
_Static_assert(NVML_DEVICE_UUID_V2_BUFFER_SIZE <= PT_GPU_TEXT, "uuid buffer");

/* the entry points nvml.c resolves, with the prototypes it calls them through
   (an incompatible prototype is a compile error here) */
nvmlReturn_t (*const init_v2)(void) = nvmlInit_v2;
nvmlReturn_t (*const shutdown_)(void) = nvmlShutdown;
const char *(*const error_string)(nvmlReturn_t) = nvmlErrorString;
nvmlReturn_t (*const count_v2)(unsigned int *) = nvmlDeviceGetCount_v2;
nvmlReturn_t (*const handle_v2)(unsigned int, nvmlDevice_t *) = nvmlDeviceGetHandleByIndex_v2;
nvmlReturn_t (*const name_)(nvmlDevice_t, char *, unsigned int) = nvmlDeviceGetName;
nvmlReturn_t (*const uuid_)(nvmlDevice_t, char *, unsigned int) = nvmlDeviceGetUUID;
nvmlReturn_t (*const pci_v3)(nvmlDevice_t, nvmlPciInfo_t *) = nvmlDeviceGetPciInfo_v3;
nvmlReturn_t (*const pci_v2)(nvmlDevice_t, nvmlPciInfo_t *) = nvmlDeviceGetPciInfo_v2;
nvmlReturn_t (*const power)(nvmlDevice_t, unsigned int *) = nvmlDeviceGetPowerUsage;
nvmlReturn_t (*const energy)(nvmlDevice_t, unsigned long long *) = nvmlDeviceGetTotalEnergyConsumption;
nvmlReturn_t (*const limit)(nvmlDevice_t, unsigned int *) = nvmlDeviceGetEnforcedPowerLimit;
/* the temperature (cooldown): nvml.c calls it with an int in place of the enum */
nvmlReturn_t (*const temperature)(nvmlDevice_t, nvmlTemperatureSensors_t, unsigned int *) = nvmlDeviceGetTemperature;
_Static_assert(NVML_TEMPERATURE_GPU == 0, "NVML_TEMPERATURE_GPU");
_Static_assert(sizeof(nvmlTemperatureSensors_t) == sizeof(int), "nvmlTemperatureSensors_t is an int-sized enum");
