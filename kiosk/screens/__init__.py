"""The kiosk's screens, one module and one KV file each; the app builds them in this order."""
from .attract import AttractScreen
from .basket import BasketScreen
from .category import CategoryScreen
from .checkout import CheckoutScreen
from .done import DoneScreen
from .loyalty import LoyaltyScreen
from .payment import PaymentScreen
from .phone import PhoneScreen
from .pickup import PickupScreen
from .product import ProductScreen
from .search import SearchScreen

SCREENS = {
    "attract": AttractScreen,
    "search": SearchScreen,
    "category": CategoryScreen,
    "product": ProductScreen,
    "basket": BasketScreen,
    "checkout": CheckoutScreen,
    "payment": PaymentScreen,
    "done": DoneScreen,
    "loyalty": LoyaltyScreen,
    "pickup": PickupScreen,
    "phone": PhoneScreen,
}
