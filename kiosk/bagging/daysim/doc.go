// Package daysim simulates one seeded store day at a self-checkout lane's
// bagging area, to see what the bagging thresholds of package bagging cost
// honest shoppers (false alerts, staff walks, waiting) and what they catch.
//
// Run plays the same day twice — with the fixed tolerances (Settings.Learn
// off) and with learned ones (Learn on, the learning starting empty in the
// morning and carried through the day) — through the real bagging.Checker,
// building each scanned unit's Item the way the lane does (kiosk/bagarea.go).
// Everything random comes from math/rand/v2 PCG streams of the seed: the
// product truths from one stream, each transaction's script (basket, unit
// weights, timing, behaviour) from its own, and the lane's side (scale noise,
// staff) from another per transaction, so both modes see the same shoppers
// and the same scale noise as long as their flows agree. Sweep replays the
// day with each threshold one step lower and one higher.
//
// # Noise model
//
// Products. Each catalog product of known weight W gets a true mean gross
// weight W × (1+b), b ~ N(0, 3 %) clipped to ±10 %: the catalog's declared
// weight and the packaging a supplier really uses differ. Each unit weighs
// that mean plus N(0, sd), sd = max(TNE(W)/2, 1 g), where TNE is the EU
// tolerable negative error for the nominal quantity (Directive 76/211/EEC,
// Annex I: 9 % for 5–50 g, 4.5 g for 50–100 g, 4.5 % for 100–200 g, 9 g for
// 200–300 g, 3 % for 300–500 g, 15 g for 500 g–1 kg, 1.5 % for 1–10 kg,
// 150 g for 10–15 kg; 15 % below 5 g and 1 % above 15 kg by extension), the
// catalog weight standing in for the nominal. Half the TNE as one standard
// deviation keeps packers' units inside it about 98 % of the time, as the
// average system requires in practice.
//
// Sold by weight (produce, counter goods with a weight label): each unit's net
// weight is drawn (150 g–1.5 kg produce, 100–600 g counter goods); the lane
// expects the produce scale's (or label's) weight, in 2 g divisions, and the
// bagging area receives the net weight plus a 5 g bag. Variable-measure
// products priced per piece without a weight (a cake from the counter) have a
// true mean of 250–1000 g per product and a spread of 15 % per unit; the lane
// expects no particular weight for them (bagging.Expectation G 0) until it has
// learned one.
//
// Scale. A reading is the true load plus N(0, 1 g), rounded to
// Settings.DivisionG; it settles 0.5–1.5 s after each placement or removal.
//
// # Shoppers
//
// Honest: 40 % bring their own bag (30–600 g; 3 % of them a rucksack of
// 1.2–2 kg, over OwnBagMaxG); in 3 % of transactions a purse (300–900 g) is put
// down and taken away 3–8 s after the message; in 3 % a bag is lifted early
// (the last 1–4 items) and put back 3–6 s after the message; 2 % of items are
// bagged 12–20 s after the scan instead of 1–4 s; heavy and no-bag products
// (catalog column bagging) stay in the trolley unchecked. Items come 2–5 s
// apart, 1+Poisson(11) per basket by default, drawn with Zipf-like popularity
// (the product of rank r weighs 1/r) over a seeded ranking of the catalog.
//
// Dishonest: about 6 % of transactions carry one act, of one of three kinds:
// swap (scan a cheap item, bag one that costs more of a catalog weight within
// ±25 % of it), unscanned (bag an item without scanning it, alone or — half
// the time — together with a scanned one) and removed (take a bagged item out
// before paying). An act is caught when it raised any bagging alert.
//
// Staff come lognormally, median 40 s (σ 0.5), after an alert the shopper has
// not corrected; they clear it (Checker.Cleared) and, for an honest mismatch
// of one item, the lane learns the weight they saw with StaffWeight. A thief
// confronted undoes the act (caught); nothing of it is learned.
//
// # Figures
//
// False alerts are the alerts raised during honest behaviour, per 100 items
// scanned (Mode.FalseBy splits them by alert and behaviour); assist rate the
// share of transactions staff had to come to; waiting the shopper's time
// from an alert's opening to its closing.
//
// # The target, and what the days show
//
// The goal is learned tolerances with at most half the false alerts per 100
// items of fixed ones, catching as much of every theft kind (Report.Target).
// With bagging.Defaults (chosen from these days: a 20 s window, 3 sigmas, 3
// samples; kiosk simulate-day --sweep shows each threshold's effect):
//
//	kiosk simulate-day            (seed 1, 500 transactions, 5866 items)
//	  fixed   4.18 false/100 items, caught swap 9/10, unscanned 12/12, removed 11/11, assists 37.2 %
//	  learned 1.47 false/100 items, caught swap 8/10, unscanned 12/12, removed 11/11, assists 13.2 %
//	kiosk simulate-day --days 20  (seeds 1–20, 10000 transactions, 120106 items)
//	  fixed   8.17 false/100 items, caught swap 140/211, unscanned 200/205, removed 218/218, assists 58.7 %
//	  learned 1.94 false/100 items, caught swap 152/211, unscanned 199/205, removed 218/218, assists 17.3 %
//
// A day holds about ten acts of each kind, too few to compare catch rates:
// one act is ten points. Over twenty days learned catches more swaps (its
// tolerance is tighter around the product's real weight) and one unscanned
// act fewer: that one fixed caught only because the product's catalog
// weight was off (the same error that raises fixed's false alerts), which is
// what learning corrects. The false alerts left in learned mode are mostly
// honest behaviour no tolerance tells from a theft (a purse, a bag lifted
// early, a slow packer), the same in both modes.
package daysim
