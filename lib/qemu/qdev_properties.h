/* Device properties from their option strings: -device and device_add
 * hand every property over as a string, which QEMU's keyval input visitor
 * parses by the property's type (hw/core/qdev-properties.c,
 * qapi/qobject-input-visitor.c). Each returns 0, or -EINVAL with QEMU's
 * message in err; *out is set only on success. */
#ifndef MEMHP_QEMU_QDEV_PROPERTIES_H
#define MEMHP_QEMU_QDEV_PROPERTIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* uint64/uint32 (qemu_strtou64, base 0, a minus sign wrapping), then the
 * property's range: at most max, named `type` ("uint32_t") when over. */
int qdev_prop_uint(const char *name, const char *s, uint64_t max, const char *type, uint64_t *out,
		   char *err, size_t errlen);
/* int32 (qemu_strtoi64, then visit_type_int32's range) */
int qdev_prop_int32(const char *name, const char *s, int *out, char *err, size_t errlen);
/* size (qemu_strtosz: bytes unless suffixed) */
int qdev_prop_size(const char *name, const char *s, uint64_t *out, char *err, size_t errlen);
/* bool (qapi_bool_parse(), case-sensitive) */
int qdev_prop_bool(const char *name, const char *s, bool *out, char *err, size_t errlen);
/* OnOffAuto (qapi_enum_parse()): 1 on, 0 off, -1 auto. */
int qdev_prop_on_off_auto(const char *name, const char *s, int *out, char *err, size_t errlen);

#endif
