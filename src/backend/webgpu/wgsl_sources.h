/* The WGSL kernels of src/backend/wgsl/, embedded at build time (cmake/wgsl.cmake generates the
 * table). */
#ifndef AI_BACKEND_WEBGPU_WGSL_SOURCES_H
#define AI_BACKEND_WEBGPU_WGSL_SOURCES_H

#include <stddef.h>

struct ai_wgsl_source {
  const char *name; /* file name without .wgsl */
  const char *text;
};

extern const struct ai_wgsl_source ai_wgsl_sources[];
extern const size_t ai_wgsl_source_count;

#endif
