/* fake_amdsmi.c -- a scripted stand-in for libamd_smi.so, for tests.
 *
 * Build target fake_amdsmi (a shared library); point the meter at it with
 *   POWERTRAIN_AMDSMI_LIBRARY=<path of libfake_amdsmi.so>
 *   FAKE_AMDSMI_CONTROL=<control file>
 * It exports, with AMD SMI's ABI (ROCm 6), amdsmi_init, amdsmi_shut_down,
 * amdsmi_get_socket_handles, amdsmi_get_processor_handles,
 * amdsmi_get_processor_type, amdsmi_get_gpu_device_bdf,
 * amdsmi_get_gpu_device_uuid, amdsmi_get_gpu_asic_info (market_name first)
 * and amdsmi_get_energy_count.
 *
 * The control file is re-read on EVERY call, so a test rewrites it between
 * samples (write a temporary file and rename() it over the control file).
 * One item per line; blank lines and '#' lines are ignored:
 *
 *   init_fail [code]      amdsmi_init returns code (default 8, AMDSMI_STATUS_INIT_ERROR)
 *   socket                starts a new socket (GPUs before the first socket
 *                         line are on socket 0)
 *   gpu <name> <uuid> <bdf> <ticks> <resolution_uj> [nocounter]
 *       name        market name, '_' stands for a space ("AMD_Instinct_MI250X")
 *       uuid        as amdsmi_get_gpu_device_uuid returns it
 *       bdf         "0000:c1:00.0"
 *       ticks       the energy accumulator (uint64)
 *       resolution  microjoules per tick (float, e.g. 15.3)
 *       nocounter   amdsmi_get_energy_count returns AMDSMI_STATUS_NOT_SUPPORTED
 *
 * Without FAKE_AMDSMI_CONTROL (or an unreadable file) amdsmi_init fails with
 * AMDSMI_STATUS_INIT_ERROR. fake_amdsmi_init_refs() (not AMD SMI) returns
 * the number of amdsmi_init calls not yet matched by amdsmi_shut_down. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int amdsmi_status_t;
enum { OK = 0, INVAL = 1, NOT_SUPPORTED = 2, INIT_ERROR = 8, NOT_INIT = 32, OUT_OF_RESOURCES = 15 };

#define MAX_GPUS 16
#define MAX_SOCKETS 4

typedef struct {
    char name[256];
    char uuid[64];
    uint64_t bdf;
    uint64_t ticks;
    float res;
    int nocounter;
    int socket;
} fake_gpu;

typedef struct {
    int ok, init_fail, init_code, ngpu, nsock;
    fake_gpu gpu[MAX_GPUS];
} fake_state;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int init_refs;
/* Handles are addresses in these arrays. */
static char gpu_cookies[MAX_GPUS], sock_cookies[MAX_SOCKETS];

static uint64_t parse_bdf(const char *s) {
    unsigned dom = 0, bus = 0, dev = 0, fn = 0;
    if (sscanf(s, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) return 0;
    return ((uint64_t)dom << 16) | ((uint64_t)(bus & 0xff) << 8) | ((uint64_t)(dev & 0x1f) << 3) | (fn & 7);
}

static void parse_gpu(fake_state *st, char *save) {
    char *f[7] = {0};
    for (int i = 0; i < 6; i++) f[i] = strtok_r(NULL, " \t\r\n", &save);
    if (!f[4] || st->ngpu >= MAX_GPUS) return;
    fake_gpu *g = &st->gpu[st->ngpu++];
    snprintf(g->name, sizeof g->name, "%s", f[0]);
    for (char *p = g->name; *p; p++)
        if (*p == '_') *p = ' ';
    snprintf(g->uuid, sizeof g->uuid, "%s", f[1]);
    g->bdf = parse_bdf(f[2]);
    g->ticks = strtoull(f[3], NULL, 10);
    g->res = strtof(f[4], NULL);
    g->nocounter = f[5] && strcmp(f[5], "nocounter") == 0;
    g->socket = st->nsock > 0 ? st->nsock - 1 : 0;
}

static void load(fake_state *st) {
    memset(st, 0, sizeof *st);
    const char *path = getenv("FAKE_AMDSMI_CONTROL");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return;
    st->ok = 1;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *save = NULL;
        char *tok = strtok_r(line, " \t\r\n", &save);
        if (!tok || tok[0] == '#') continue;
        if (strcmp(tok, "init_fail") == 0) {
            char *code = strtok_r(NULL, " \t\r\n", &save);
            st->init_fail = 1;
            st->init_code = code ? atoi(code) : INIT_ERROR;
        } else if (strcmp(tok, "socket") == 0 && st->nsock < MAX_SOCKETS) {
            st->nsock++;
        } else if (strcmp(tok, "gpu") == 0) {
            parse_gpu(st, save);
        }
    }
    fclose(f);
    if (st->nsock == 0) st->nsock = 1;
}

/* The state and the GPU behind handle h (NULL when h is not one); under lock. */
static fake_gpu *gpu_of(fake_state *st, void *h) {
    load(st);
    if (!init_refs) return NULL;
    for (int i = 0; i < st->ngpu; i++)
        if (h == &gpu_cookies[i]) return &st->gpu[i];
    return NULL;
}

EXPORT amdsmi_status_t amdsmi_init(uint64_t flags) {
    (void)flags;
    fake_state st;
    pthread_mutex_lock(&lock);
    load(&st);
    amdsmi_status_t r = !st.ok ? INIT_ERROR : st.init_fail ? st.init_code : OK;
    if (r == OK) init_refs++;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT amdsmi_status_t amdsmi_shut_down(void) {
    pthread_mutex_lock(&lock);
    amdsmi_status_t r = init_refs > 0 ? OK : NOT_INIT;
    if (init_refs > 0) init_refs--;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT int fake_amdsmi_init_refs(void) {
    pthread_mutex_lock(&lock);
    int r = init_refs;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT amdsmi_status_t amdsmi_get_socket_handles(uint32_t *count, void **handles) {
    fake_state st;
    pthread_mutex_lock(&lock);
    load(&st);
    amdsmi_status_t r = !init_refs ? NOT_INIT : !count ? INVAL : OK;
    if (r == OK && handles) {
        if (*count < (uint32_t)st.nsock) r = OUT_OF_RESOURCES;
        for (int i = 0; r == OK && i < st.nsock; i++) handles[i] = &sock_cookies[i];
    }
    if (r == OK || r == OUT_OF_RESOURCES) *count = (uint32_t)st.nsock;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT amdsmi_status_t amdsmi_get_processor_handles(void *socket, uint32_t *count, void **handles) {
    fake_state st;
    pthread_mutex_lock(&lock);
    load(&st);
    int s = (int)((char *)socket - sock_cookies);
    amdsmi_status_t r = !init_refs ? NOT_INIT : !count || s < 0 || s >= st.nsock ? INVAL : OK;
    uint32_t n = 0;
    for (int i = 0; r == OK && i < st.ngpu; i++) {
        if (st.gpu[i].socket != s) continue;
        if (handles && n < *count) handles[n] = &gpu_cookies[i];
        n++;
    }
    if (r == OK && handles && *count < n) r = OUT_OF_RESOURCES;
    if (count && (r == OK || r == OUT_OF_RESOURCES)) *count = n;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT amdsmi_status_t amdsmi_get_processor_type(void *h, int *type) {
    fake_state st;
    pthread_mutex_lock(&lock);
    fake_gpu *g = gpu_of(&st, h);
    if (g && type) *type = 1; /* AMDSMI_PROCESSOR_TYPE_AMD_GPU */
    pthread_mutex_unlock(&lock);
    return g && type ? OK : INVAL;
}

EXPORT amdsmi_status_t amdsmi_get_gpu_device_bdf(void *h, uint64_t *bdf) {
    fake_state st;
    pthread_mutex_lock(&lock);
    fake_gpu *g = gpu_of(&st, h);
    if (g && bdf) *bdf = g->bdf;
    pthread_mutex_unlock(&lock);
    return g && bdf ? OK : INVAL;
}

EXPORT amdsmi_status_t amdsmi_get_gpu_device_uuid(void *h, unsigned int *len, char *uuid) {
    fake_state st;
    pthread_mutex_lock(&lock);
    fake_gpu *g = gpu_of(&st, h);
    amdsmi_status_t r = g && len && uuid ? OK : INVAL;
    if (r == OK && *len < strlen(g->uuid) + 1) r = INVAL;
    if (r == OK) {
        snprintf(uuid, *len, "%s", g->uuid);
        *len = (unsigned)strlen(g->uuid) + 1;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* amdsmi_asic_info_t as of ROCm 6.1 begins with char market_name[256]. */
EXPORT amdsmi_status_t amdsmi_get_gpu_asic_info(void *h, void *info) {
    fake_state st;
    pthread_mutex_lock(&lock);
    fake_gpu *g = gpu_of(&st, h);
    if (g && info) {
        memset(info, 0, 1024);
        snprintf(info, 256, "%s", g->name);
    }
    pthread_mutex_unlock(&lock);
    return g && info ? OK : INVAL;
}

EXPORT amdsmi_status_t amdsmi_get_energy_count(void *h, uint64_t *ticks, float *res, uint64_t *ts) {
    fake_state st;
    pthread_mutex_lock(&lock);
    fake_gpu *g = gpu_of(&st, h);
    amdsmi_status_t r = !g || !ticks || !res || !ts ? INVAL : g->nocounter ? NOT_SUPPORTED : OK;
    if (r == OK) {
        *ticks = g->ticks;
        *res = g->res;
        *ts = 0;
    }
    pthread_mutex_unlock(&lock);
    return r;
}
