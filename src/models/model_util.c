/* model_util.c -- naming, error collection and option defaults for builders. */
#include "models/model_util.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/str.h"

void pt_model_name(pt_net *net, const char *fmt, ...) {
    char name[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    pt_net_name_last(net, name);
}

pt_net *pt_model_finish(pt_net *net, char *err, size_t errlen) {
    if (!net) {
        pt_say(err, errlen, "out of memory");
        return NULL;
    }
    const char *e = pt_net_error(net);
    if (e && e[0]) {
        pt_say(err, errlen, "%s: %s", pt_net_name(net), e);
        pt_net_free(net);
        return NULL;
    }
    return net;
}

int pt_model_pick(int v, int def) { return v > 0 ? v : def; }
