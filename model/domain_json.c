#include "model/domain_json.h"

#include "model/domain.h"
#include "model/schedule.h"

json_t *sig_json_time(int64_t t)
{
	char text[21];

	if (t == 0)
		return json_null();
	sig_time_format(t, text);
	return json_string(text);
}

json_t *sig_json_permissions(unsigned permissions)
{
	json_t *o = json_object();

	for (unsigned bit = 1; bit <= SIG_PERM_MODERATE; bit <<= 1)
		json_object_set_new(o, sig_permission_name(bit), json_boolean(permissions & bit));
	return o;
}
