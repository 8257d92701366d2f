package domain

import (
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Public email providers: anyone can get an address at these, so proving
// one would let the whole world join an organization. The list covers the
// providers with the most users worldwide; keep it sorted when adding.
func publicProviders() []string {
	return []string{
		"126.com", "139.com", "163.com", "aim.com", "aol.com", "att.net", "bk.ru",
		"btinternet.com", "comcast.net", "daum.net", "duck.com", "email.com",
		"fastmail.com", "fastmail.fm", "free.fr", "googlemail.com", "gmail.com",
		"hanmail.net", "hey.com", "hushmail.com", "icloud.com", "inbox.ru",
		"interia.pl", "laposte.net", "libero.it", "list.ru", "live.com",
		"mac.com", "mail.com", "mail.ru", "me.com", "msn.com", "naver.com",
		"o2.pl", "orange.fr", "outlook.com", "pm.me", "proton.me",
		"protonmail.ch", "protonmail.com", "qq.com", "rambler.ru",
		"rediffmail.com", "rocketmail.com", "sbcglobal.net", "seznam.cz",
		"sina.com", "sohu.com", "t-online.de", "tuta.io", "tutanota.com",
		"verizon.net", "web.de", "wp.pl", "ya.ru", "yeah.net", "ymail.com",
		"zoho.com", "zohomail.com",
	}
}

// publicProviderBrands run one provider under many country domains
// (gmx.de, gmx.net, yahoo.co.uk, yandex.com.tr, hotmail.fr, …): the brand
// label directly in front of any public suffix is the provider.
func publicProviderBrands() []string {
	return []string{"gmx", "hotmail", "outlook", "yahoo", "yandex"}
}

// IsPublicProvider reports whether name (normalised) is, or lies under, a
// public email provider's domain.
func IsPublicProvider(name string) bool {
	reg, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		reg = name
	}
	brand, _, _ := strings.Cut(reg, ".")
	return slices.Contains(publicProviders(), reg) || slices.Contains(publicProviderBrands(), brand)
}
