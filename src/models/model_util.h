/* model_util.h -- small helpers shared by the model builders. */
#ifndef PT_MODELS_UTIL_H
#define PT_MODELS_UTIL_H

#include <stddef.h>

#include "models/models.h"

/* Names the layer just created (printf-style). */
void pt_model_name(pt_net *net, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns net, or frees it and returns NULL with its first error in err. */
pt_net *pt_model_finish(pt_net *net, char *err, size_t errlen);
/* o's value, or the default when o's is 0 (or negative). */
int pt_model_pick(int v, int def);

#endif
