/* Names and messages of anyinfer_status, generated from the one table in anyinfer.h. */
#include "anyinfer.h"

const char *anyinfer_status_name(anyinfer_status status) {
  switch (status) {
#define STATUS_NAME(name, value, message) \
  case ANYINFER_##name:                   \
    return "ANYINFER_" #name;
    ANYINFER_STATUS_TABLE(STATUS_NAME)
#undef STATUS_NAME
  }
  return "ANYINFER_E_UNKNOWN";
}

const char *anyinfer_status_str(anyinfer_status status) {
  switch (status) {
#define STATUS_MESSAGE(name, value, message) \
  case ANYINFER_##name:                      \
    return message;
    ANYINFER_STATUS_TABLE(STATUS_MESSAGE)
#undef STATUS_MESSAGE
  }
  return "unknown status";
}
