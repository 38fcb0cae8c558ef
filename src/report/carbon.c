/* carbon.c -- energy -> carbon: g CO2e = kWh x PUE x grid intensity, a
 * built-in table of average grid intensity by country code (with its source
 * and year), and the everyday equivalents with their sources. */
#include <ctype.h>
#include <stddef.h>

#include "report/report.h"

/* Lifecycle emissions per kWh generated (production mix, imports excluded), 2023. */
const char *const pt_carbon_source =
    "Ember, Yearly Electricity Data, and Energy Institute, Statistical Review of World Energy, as "
    "published by Our World in Data, 'Carbon intensity of electricity generation', year 2023 "
    "(lifecycle g CO2e per kWh generated; production mix, imports excluded)";

static const pt_carbon_region regions[] = {
    {"AT", "Austria", 111},   {"AU", "Australia", 549}, {"BE", "Belgium", 138}, {"BR", "Brazil", 98},
    {"CA", "Canada", 170},    {"CN", "China", 582},     {"DE", "Germany", 381}, {"DK", "Denmark", 152},
    {"FI", "Finland", 79},    {"FR", "France", 56},     {"IE", "Ireland", 291}, {"IN", "India", 713},
    {"NO", "Norway", 30},     {"PL", "Poland", 662},    {"SE", "Sweden", 41},   {"WORLD", "World average", 481},
};

const pt_carbon_region *pt_carbon_regions(int *n) {
    *n = (int)(sizeof regions / sizeof regions[0]);
    return regions;
}

const pt_carbon_region *pt_carbon_find(const char *code) {
    if (!code) return NULL;
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
        const char *a = regions[i].code, *b = code;
        while (*a && *b && toupper((unsigned char)*a) == toupper((unsigned char)*b)) a++, b++;
        if (!*a && !*b) return &regions[i];
    }
    return NULL;
}

double pt_carbon_grams(double energy_j, double pue, double g_per_kwh) {
    return energy_j / 3.6e6 * pue * g_per_kwh;
}

/* 400 g CO2 per mile = 248.5 g per km */
const double pt_carbon_car_g_per_km = 400.0 / 1.609344;
const char *const pt_carbon_car_source =
    "US EPA, 'Tailpipe Greenhouse Gas Emissions from a Typical Passenger Vehicle', EPA-420-F-23-014 "
    "(June 2023): about 400 g CO2 per mile (248.5 g per km), tailpipe only";

/* 15 Wh battery / 0.8 charger efficiency */
const double pt_carbon_phone_charge_wh = 15.0 / 0.8;
const char *const pt_carbon_phone_source =
    "powertrain's own assumption, not a cited figure: one full charge of a 15 Wh smartphone battery "
    "(about 3,900 mAh at 3.85 V) at 80% charging efficiency, 18.75 Wh from the wall; an energy "
    "equivalent, independent of the grid";
