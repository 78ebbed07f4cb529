/*
 * names.c - the names of the language: see names.h.  ASCII classes by
 * hand, not <ctype.h>, whose answer depends on the locale.
 */
#include "names.h"

#include "rsl_format.h"

static int lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int letter(char c)
{
	return lower(c) || (c >= 'A' && c <= 'Z');
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

int rsl__is_key(const char *s, size_t len)
{
	if (len == 0 || len > RSL_KEY_MAX || !lower(s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!lower(s[i]) && !digit(s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

int rsl__is_attr_name(const char *s, size_t len)
{
	if (len == 0 || len > RSL_KEY_MAX || !(letter(s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!letter(s[i]) && !digit(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}
