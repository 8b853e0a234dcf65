/* Typed device properties from option strings, shared by every device
 * (pc-dimm, virtio-mem-pci). */
#include "qdev_properties.h"

#include <string.h>

#include "array.h"
#include "qemu_error.h"
#include "strparse.h"

int qdev_prop_uint(const char *name, const char *s, uint64_t max, const char *type, uint64_t *out,
		   char *err, size_t errlen)
{
	if (qemu_strtou64(s, out))
		return error_setg(err, errlen, "Parameter '%s' expects integer", name);
	if (*out > max)
		return error_setg(err, errlen, "Parameter '%s' expects %s", name, type);
	return 0;
}

int qdev_prop_int32(const char *name, const char *s, int *out, char *err, size_t errlen)
{
	int64_t v;

	if (qemu_strtoi64(s, &v))
		return error_setg(err, errlen, "Parameter '%s' expects integer", name);
	if (v < INT32_MIN || v > INT32_MAX)
		return error_setg(err, errlen, "Parameter '%s' expects int32_t", name);
	*out = (int)v;
	return 0;
}

int qdev_prop_size(const char *name, const char *s, uint64_t *out, char *err, size_t errlen)
{
	if (qemu_strtosz(s, 'B', out))
		return error_setg(err, errlen, "Parameter '%s' expects size", name);
	return 0;
}

int qdev_prop_bool(const char *name, const char *s, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = {"on", "yes", "true", "y"};
	static const char *const no[] = {"off", "no", "false", "n"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return error_setg(err, errlen, "Parameter '%s' expects 'on' or 'off'", name);
}

int qdev_prop_on_off_auto(const char *name, const char *s, int *out, char *err, size_t errlen)
{
	if (!strcmp(s, "on") || !strcmp(s, "off") || !strcmp(s, "auto")) {
		*out = !strcmp(s, "auto") ? -1 : !strcmp(s, "on");
		return 0;
	}
	return error_setg(err, errlen, "Parameter '%s' does not accept value '%s'", name, s);
}
