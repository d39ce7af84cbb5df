package sandbox

import (
	"context"
	"hash/crc32"

	"github.com/gotd/td/tg"
)

// sandboxCountries is the sandbox's help.getCountriesList: a few countries
// with patterns in the shape Telegram's list gives them, so that a client's
// grouping of phone numbers runs against this server as against Telegram's.
// It is the sandbox's own short list, not Telegram's: Telegram's lists some
// 230 countries, with prefixes and patterns of its own. The demo accounts'
// test numbers (99966…) belong to no country here, as to none in Telegram's
// list, so they are shown as they are.
var sandboxCountries = []tg.HelpCountry{
	{ISO2: "US", DefaultName: "USA", CountryCodes: []tg.HelpCountryCode{{CountryCode: "1", Patterns: []string{"XXX XXX XXXX"}}}},
	{ISO2: "RU", DefaultName: "Russian Federation", CountryCodes: []tg.HelpCountryCode{{CountryCode: "7", Patterns: []string{"XXX XXX XXXX"}}}},
	{ISO2: "GB", DefaultName: "United Kingdom", CountryCodes: []tg.HelpCountryCode{{CountryCode: "44", Patterns: []string{"XXXX XXXXXX"}}}},
	{ISO2: "FT", DefaultName: "Anonymous Numbers", CountryCodes: []tg.HelpCountryCode{{CountryCode: "888", Patterns: []string{"XXXX XXXX"}}}},
}

// getCountriesList answers with the list, or countriesListNotModified
// when the client's hash is the list's; no sign-in needed, as on Telegram.
func (s *Server) getCountriesList(_ context.Context, req *tg.HelpGetCountriesListRequest) (tg.HelpCountriesListClass, error) {
	h := countriesHash()
	if req.Hash != 0 && req.Hash == h {
		return &tg.HelpCountriesListNotModified{}, nil
	}
	list := &tg.HelpCountriesList{Hash: h, Countries: make([]tg.HelpCountry, len(sandboxCountries))}
	for i, c := range sandboxCountries {
		c.CountryCodes = append([]tg.HelpCountryCode(nil), c.CountryCodes...)
		for j := range c.CountryCodes {
			c.CountryCodes[j].SetFlags()
		}
		c.SetFlags()
		list.Countries[i] = c
	}
	return list, nil
}

// countriesHash stands for the list's version: it changes only with the
// list.
func countriesHash() int {
	h := crc32.NewIEEE()
	for _, c := range sandboxCountries {
		h.Write([]byte(c.ISO2))
		for _, cc := range c.CountryCodes {
			h.Write([]byte(cc.CountryCode))
			for _, p := range cc.Patterns {
				h.Write([]byte(p))
			}
		}
	}
	return int(int32(h.Sum32()))
}
