/* fuzz_celeba.c -- the CelebA list readers (src/data/celeba.c, through pt_celeba_load:
 * the list parsers are static). The first input byte picks the list the rest of the
 * input becomes (0: list_attr_celeba.txt, 1: identity_CelebA.txt, 2:
 * list_eval_partition.txt); the other two are small valid lists. No image folder and no
 * cache (cache_dir ""): a load that gets past the lists fails on the missing images. */
#include <sys/stat.h>

#include "data/celeba.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *attrs_ok(void) {
    static char buf[2048];
    if (buf[0]) return buf;
    char *p = buf;
    p += sprintf(p, "2\n");
    for (int a = 0; a < PT_CELEBA_ATTRS; a++) p += sprintf(p, "attr%d%c", a, a + 1 < PT_CELEBA_ATTRS ? ' ' : '\n');
    for (int i = 1; i <= 2; i++) {
        p += sprintf(p, "%06d.jpg", i);
        for (int a = 0; a < PT_CELEBA_ATTRS; a++) p += sprintf(p, " %d", (a + i) % 2 ? 1 : -1);
        p += sprintf(p, "\n");
    }
    return buf;
}

static void put(const char *dir, const char *name, const void *data, size_t size) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

static char dir[512];
static const char *names[3] = {"list_attr_celeba.txt", "identity_CelebA.txt", "list_eval_partition.txt"};

static void cleanup(void) {
    char path[600];
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/pt_fuzz_celeba_%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
        if (mkdir(dir, 0700) != 0) {
            perror(dir);
            abort();
        }
        atexit(cleanup);
    }
    if (size < 1) return 0;
    static const char ident[] = "000001.jpg 7\n000002.jpg 7\n", part[] = "000001.jpg 0\n000002.jpg 2\n";
    const char *fixed[3] = {attrs_ok(), ident, part};
    int which = data[0] % 3;
    for (int k = 0; k < 3; k++) {
        if (k == which) put(dir, names[k], data + 1, size - 1);
        else put(dir, names[k], fixed[k], strlen(fixed[k]));
    }
    pt_celeba_options o;
    pt_celeba_options_init(&o);
    o.width = o.height = 8;
    o.identities = 1;
    o.cache_dir = "";
    pt_celeba c;
    char err[512];
    err[0] = '\0';
    if (pt_celeba_load(dir, &o, &c, err, sizeof err) == 0) {
        pt_celeba_free(&c);
        pt_fuzz_note(NULL);
    } else {
        if (!err[0]) abort();
        pt_fuzz_note(err);
    }
    return 0;
}
