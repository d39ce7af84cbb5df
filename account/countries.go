package account

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/internal/phonefmt"
)

// countriesRetry is how long after a failed help.getCountriesList the list
// is asked for again: tdlib waits 1 to 2 minutes.
func countriesRetry() time.Duration {
	return time.Minute + rand.N(time.Minute)
}

// loadCountries asks for the country list once per connection's Run, and
// again after countriesRetry while it fails, until ctx ends. It is an
// unauthorized method, so it needs no sign-in.
func (c *Client) loadCountries(ctx context.Context) {
	for {
		t, err := c.fetchCountries(ctx)
		if err == nil {
			phonefmt.SetCurrent(t) // the UI groups numbers by it
			return
		}
		if ctx.Err() != nil {
			return
		}
		c.log.Debug("country list not loaded; phone numbers shown ungrouped", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(countriesRetry()):
		}
	}
}

// fetchCountries asks for the list in English (tgphone shows no country
// names from it, only the patterns). It sends no hash, so the only answer
// that is not the list (countriesListNotModified) is an error.
func (c *Client) fetchCountries(ctx context.Context) (*phonefmt.Table, error) {
	res, err := c.api.HelpGetCountriesList(ctx, &tg.HelpGetCountriesListRequest{LangCode: "en"})
	if err != nil {
		return nil, err
	}
	list, ok := res.(*tg.HelpCountriesList)
	if !ok {
		return nil, fmt.Errorf("help.getCountriesList without a hash answered %T", res)
	}
	return countryTable(list), nil
}

// countryTable is the list's calling codes as phonefmt takes them, hidden
// countries too: tdlib formats their numbers alike.
func countryTable(list *tg.HelpCountriesList) *phonefmt.Table {
	var codes []phonefmt.Code
	for _, country := range list.Countries {
		for _, cc := range country.CountryCodes {
			codes = append(codes, phonefmt.Code{Calling: cc.CountryCode, Prefixes: cc.Prefixes, Patterns: cc.Patterns})
		}
	}
	return phonefmt.New(codes)
}
