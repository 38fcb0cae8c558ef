/* cmd_merge.c -- `powertrain merge --into DB SHARD...`: shard stores of a study
 * run as a cluster job array, merged into one results store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

static const char *merge_help =
    "usage: powertrain merge --into FILE [--study ID] [--final] [--quiet] SHARD...\n\n"
    "Merges shard stores (each written by one task of a study run on a cluster,\n"
    "e.g. by the merge job of `powertrain regime --slurm`) into one results store,\n"
    "created when missing. Runs are keyed by the study (kind, dataset, preset,\n"
    "configuration) and (setup, repeat, phase, frozen): merging a shard twice adds\n"
    "nothing. Each run keeps its epochs, energy and the host, CPU and GPU it ran\n"
    "on. A finished run (done, not_reached, diverged) in FILE is never\n"
    "replaced; a running or failed one is replaced by a finished copy. Each shard is\n"
    "one transaction; every shard is checked before anything is written, and a\n"
    "shard of another schema version or of another study is refused.\n\n"
    "  --into FILE   the results store to merge into (required)\n"
    "  --study ID    merge into this study of FILE (it must be the shards' study;\n"
    "                default: the latest study of the shards' configuration, else a new one)\n"
    "  --final       the shards' writers have all ended: a run still running in a\n"
    "                shard (its task was killed) is stored as failed\n"
    "  --quiet       no summary line\n\n"
    "Exit status: 0 merged; 1 a shard could not be merged (the store keeps every\n"
    "shard merged before it, whole); 2 bad flags or a bad shard (nothing written).\n";

int pt_cli_merge(int argc, char **argv) {
    const char *verb = "merge", *into = NULL;
    long study = 0;
    int final = 0, quiet = 0, n = 0;
    const char **shards = calloc((size_t)argc + 1, sizeof *shards);
    if (!shards) return pt_cli_error(verb, PT_EXIT_FAIL, "out of memory");
    int rc = PT_EXIT_USAGE;
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (only_files || argv[i][0] != '-') {
            shards[n++] = argv[i];
        } else if (!strcmp(argv[i], "--")) {
            only_files = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(merge_help, stdout);
            rc = PT_EXIT_OK;
            goto out;
        } else if (!strcmp(argv[i], "--final")) {
            final = 1;
        } else if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--into", &v))) {
            if (r < 0) goto out;
            into = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--study", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--study", v, 1, 9007199254740991L, &study)) goto out;
        } else {
            pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain merge --help)", argv[i]);
            goto out;
        }
    }
    if (!into) {
        pt_cli_error(verb, PT_EXIT_USAGE, "--into FILE is required (see powertrain merge --help)");
        goto out;
    }
    if (n == 0) {
        pt_cli_error(verb, PT_EXIT_USAGE, "no shard to merge (see powertrain merge --help)");
        goto out;
    }
    if (pt_cli_check_only()) { /* fuzz_cli: nothing past the checks */
        rc = PT_EXIT_OK;
        goto out;
    }
    pt_merge_options o = {study, final};
    pt_merge_stats ms;
    char err[2048] = "";
    int m = pt_store_merge(into, shards, n, &o, &ms, err, sizeof err);
    if (m == -2) {
        pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
        goto out;
    }
    if (m != 0) {
        pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        rc = PT_EXIT_FAIL;
        goto out;
    }
    if (!quiet) {
        printf("merged %ld shard%s into %s", ms.shards, ms.shards == 1 ? "" : "s", into);
        if (ms.study_id > 0) printf(" (study %lld)", (long long)ms.study_id);
        printf(": %ld runs added, %ld replaced, %ld unchanged; %ld epochs", ms.added, ms.replaced, ms.unchanged,
               ms.epochs);
        if (ms.failed_final) printf("; %ld unfinished run%s stored as failed", ms.failed_final,
                                    ms.failed_final == 1 ? "" : "s");
        if (ms.empty) printf("; %ld shard%s without a study", ms.empty, ms.empty == 1 ? "" : "s");
        printf("\n");
    }
    rc = PT_EXIT_OK;
out:
    free(shards);
    return rc;
}
