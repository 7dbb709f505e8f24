"""The codes of DESIGN.md §5, shared by models, forms, imports and exports.
Import files use the codes; pages show the translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BodyType(models.TextChoices):
    SEDAN = "sedan", _("Sedan")
    HATCHBACK = "hatchback", _("Hatchback")
    SUV = "suv", _("SUV")
    MPV = "mpv", _("MPV")
    PICKUP = "pickup", _("Pickup")
    VAN = "van", _("Van")
    BUS = "bus", _("Bus")
    TRUCK = "truck", _("Truck")
    COUPE = "coupe", _("Coupe")
    WAGON = "wagon", _("Wagon")


class FuelType(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HEV = "hev", _("Hybrid (HEV)")
    PHEV = "phev", _("Plug-in hybrid (PHEV)")
    BEV = "bev", _("Battery electric (BEV)")
    EREV = "erev", _("Range-extended electric (EREV)")
    CNG = "cng", _("Natural gas (CNG)")


class Steering(models.TextChoices):
    LHD = "LHD", _("Left-hand drive")
    RHD = "RHD", _("Right-hand drive")


class Transmission(models.TextChoices):
    MANUAL = "manual", _("Manual")
    AUTOMATIC = "automatic", _("Automatic")
    CVT = "cvt", _("CVT")
    DCT = "dct", _("Dual-clutch")
    SINGLE_SPEED = "single_speed", _("Single-speed (EV)")


class Drive(models.TextChoices):
    FWD = "fwd", _("Front-wheel drive")
    RWD = "rwd", _("Rear-wheel drive")
    AWD = "awd", _("All-wheel drive")
    FOUR_WD = "4wd", _("Four-wheel drive")


class EmissionStandard(models.TextChoices):
    CHINA3 = "china3", _("China 3")
    CHINA4 = "china4", _("China 4")
    CHINA5 = "china5", _("China 5")
    CHINA6A = "china6a", _("China 6a")
    CHINA6B = "china6b", _("China 6b")
    EURO2 = "euro2", _("Euro 2")
    EURO3 = "euro3", _("Euro 3")
    EURO4 = "euro4", _("Euro 4")
    EURO5 = "euro5", _("Euro 5")
    EURO6 = "euro6", _("Euro 6")


# China N is taken as Euro N (DESIGN.md §3); 6a and 6b are both Euro 6 level.
EMISSION_LEVEL = {
    "euro2": 2,
    "china3": 3,
    "euro3": 3,
    "china4": 4,
    "euro4": 4,
    "china5": 5,
    "euro5": 5,
    "china6a": 6,
    "china6b": 6,
    "euro6": 6,
}


class ShippingMode(models.TextChoices):
    RORO = "roro", _("RoRo")
    CONTAINER = "container", _("Container")
    RAIL = "rail", _("Rail")
    ROAD = "road", _("Road")


class VehicleClass(models.TextChoices):
    """The classes freight is quoted by; a lot's comes from its body type
    (mirrored in matchmaking.engine.delivery)."""

    CAR = "car", _("Car")
    SUV_MPV_PICKUP = "suv_mpv_pickup", _("SUV, MPV or pickup")
    VAN = "van", _("Van")
    BUS_TRUCK = "bus_truck", _("Bus or truck")


class Incoterm(models.TextChoices):
    EXW = "EXW", "EXW"
    FOB = "FOB", "FOB"
    CFR = "CFR", "CFR"
    CIF = "CIF", "CIF"


class AgeCountedFrom(models.TextChoices):
    MANUFACTURE = "manufacture", _("Manufacture (model year)")
    MODEL_YEAR = "model_year", _("Model year")
    FIRST_REGISTRATION = "first_registration", _("First registration")


# Currencies quoted at the fairs; FX rates to CNY exist for each.
CURRENCIES = [
    "CNY",
    "USD",
    "EUR",
    "RUB",
    "KZT",
    "UZS",
    "KGS",
    "IRR",
    "VND",
    "NGN",
    "AED",
    "KES",
    "EGP",
    "GHS",
    "JOD",
    "CLP",
    "PEN",
]
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]
