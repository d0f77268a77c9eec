"""Word lists for the demo chain: cities and streets, people's names.

Plain data, no logic beyond picking the right grammatical form: Russian surnames agree
with gender (Смирнов / Смирнова, Вишневский / Вишневская), so a customer's last name is
built from the male form here rather than listed twice.
"""
from __future__ import annotations

# City code, (ru, en), IANA timezone, typical delivery days from the warehouse, streets
# as (ru, en, house numbers to pick from). Store ids are the code plus a number: MSK1.
CITIES: dict[str, tuple[tuple[str, str], str, int, tuple[tuple[str, str], ...]]] = {
    "MSK": (("Москва", "Moscow"), "Europe/Moscow", 1, (
        ("ул. Тверская", "Tverskaya St"), ("Ленинский проспект", "Leninsky Ave"),
        ("ул. Арбат", "Arbat St"), ("Кутузовский проспект", "Kutuzovsky Ave"),
        ("ул. Профсоюзная", "Profsoyuznaya St"), ("проспект Мира", "Prospekt Mira"),
    )),
    "SPB": (("Санкт-Петербург", "Saint Petersburg"), "Europe/Moscow", 2, (
        ("Невский проспект", "Nevsky Ave"), ("Московский проспект", "Moskovsky Ave"),
        ("Большой проспект П.С.", "Bolshoy Ave P.S."), ("ул. Савушкина", "Savushkina St"),
    )),
    "KZN": (("Казань", "Kazan"), "Europe/Moscow", 3, (
        ("ул. Баумана", "Baumana St"), ("проспект Победы", "Pobedy Ave"),
        ("ул. Пушкина", "Pushkina St"),
    )),
    "EKB": (("Екатеринбург", "Yekaterinburg"), "Asia/Yekaterinburg", 4, (
        ("ул. Вайнера", "Vaynera St"), ("проспект Ленина", "Lenina Ave"),
        ("ул. Малышева", "Malysheva St"),
    )),
    "NSK": (("Новосибирск", "Novosibirsk"), "Asia/Novosibirsk", 6, (
        ("Красный проспект", "Krasny Ave"), ("ул. Ленина", "Lenina St"),
    )),
    "NNV": (("Нижний Новгород", "Nizhny Novgorod"), "Europe/Moscow", 2, (
        ("ул. Большая Покровская", "Bolshaya Pokrovskaya St"), ("ул. Рождественская", "Rozhdestvenskaya St"),
    )),
    "SMR": (("Самара", "Samara"), "Europe/Samara", 3, (
        ("ул. Ленинградская", "Leningradskaya St"), ("Московское шоссе", "Moskovskoye Hwy"),
    )),
    "KRD": (("Краснодар", "Krasnodar"), "Europe/Moscow", 3, (
        ("ул. Красная", "Krasnaya St"), ("ул. Северная", "Severnaya St"),
    )),
    "VVO": (("Владивосток", "Vladivostok"), "Asia/Vladivostok", 9, (
        ("Светланская ул.", "Svetlanskaya St"), ("Океанский проспект", "Okeansky Ave"),
    )),
}

# The order stores are opened in: the first four are the default demo chain
# (MSK1, MSK2, SPB1, KZN1); beyond the list the cities cycle (MSK3, SPB2, ...).
STORE_ORDER = ("MSK", "MSK", "SPB", "KZN", "EKB", "NSK", "NNV", "SMR", "KRD", "VVO")

WAREHOUSE = {
    "id": "WH1",
    "name_ru": "Распределительный центр Подольск",
    "name_en": "Podolsk distribution centre",
    "city_ru": "Подольск",
    "city_en": "Podolsk",
    "address": "Подольск, Домодедовское шоссе, 20",
    "timezone": "Europe/Moscow",
    "delivery_days": 1,
}

MALE_FIRST = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Василий", "Виктор",
    "Владимир", "Владислав", "Георгий", "Глеб", "Даниил", "Денис", "Дмитрий", "Евгений",
    "Егор", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Лев", "Максим", "Марк",
    "Михаил", "Никита", "Николай", "Олег", "Павел", "Пётр", "Роман", "Руслан", "Сергей",
    "Степан", "Тимур", "Фёдор", "Юрий", "Ярослав",
)
FEMALE_FIRST = (
    "Александра", "Алина", "Алиса", "Анастасия", "Анна", "Валентина", "Валерия", "Вера",
    "Виктория", "Галина", "Дарья", "Диана", "Евгения", "Екатерина", "Елена", "Елизавета",
    "Ирина", "Камила", "Кристина", "Ксения", "Лариса", "Любовь", "Людмила", "Маргарита",
    "Марина", "Мария", "Надежда", "Наталья", "Ольга", "Полина", "Светлана", "София",
    "Татьяна", "Ульяна", "Юлия", "Яна",
)
# Male forms; :func:`last_name` derives the female form.
LAST = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв",
    "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв",
    "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
    "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
    "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов",
    "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
    "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров",
    "Калинин", "Исаев", "Чернышёв", "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев",
    "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев", "Кудрявцев", "Прохоров",
    "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов", "Леонов", "Соболев",
    "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров", "Грачёв", "Котов",
    "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов", "Моисеев",
    "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Ерёмин",
    "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов",
    "Нестеров", "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин",
    "Митрофанов", "Воронов", "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков",
    "Савин", "Краснов", "Майоров", "Демидов", "Елисеев", "Рыбаков", "Сафонов", "Плотников",
    "Демин", "Хохлов", "Жданов", "Руденко", "Шевченко", "Бондаренко", "Ким", "Вишневский",
    "Покровский", "Островский", "Садыков", "Хабибуллин", "Гарипов", "Зиннатуллин",
)


def last_name(male_form: str, female: bool) -> str:
    """The surname in the right gender: Смирнов -> Смирнова, Вишневский -> Вишневская.

    Surnames in -енко, -ук and Korean or Tatar ones that do not decline in Russian keep
    their form (Шевченко, Ким); -ин/-ов/-ев/-ёв take -а.
    """
    if not female:
        return male_form
    if male_form.endswith("ский"):
        return male_form[:-4] + "ская"
    if male_form.endswith(("ов", "ев", "ёв", "ин")):
        return male_form + "а"
    return male_form

# Countries of origin used by the catalogue: ISO 3166 alpha-2 -> (ru, en).
COUNTRIES: dict[str, tuple[str, str]] = {
    "AR": ("Аргентина", "Argentina"), "AZ": ("Азербайджан", "Azerbaijan"), "BD": ("Бангладеш", "Bangladesh"),
    "BE": ("Бельгия", "Belgium"), "BY": ("Беларусь", "Belarus"), "CH": ("Швейцария", "Switzerland"),
    "CL": ("Чили", "Chile"), "CN": ("Китай", "China"), "CZ": ("Чехия", "Czechia"), "DE": ("Германия", "Germany"),
    "DK": ("Дания", "Denmark"), "EC": ("Эквадор", "Ecuador"), "EG": ("Египет", "Egypt"), "ES": ("Испания", "Spain"),
    "FI": ("Финляндия", "Finland"), "FR": ("Франция", "France"), "GB": ("Великобритания", "United Kingdom"),
    "GE": ("Грузия", "Georgia"), "GR": ("Греция", "Greece"), "HK": ("Гонконг", "Hong Kong"), "IN": ("Индия", "India"),
    "IT": ("Италия", "Italy"), "JP": ("Япония", "Japan"), "KR": ("Республика Корея", "South Korea"),
    "LT": ("Литва", "Lithuania"), "MA": ("Марокко", "Morocco"), "MD": ("Молдова", "Moldova"),
    "NL": ("Нидерланды", "Netherlands"), "NO": ("Норвегия", "Norway"), "PL": ("Польша", "Poland"),
    "RO": ("Румыния", "Romania"), "RS": ("Сербия", "Serbia"), "RU": ("Россия", "Russia"), "SE": ("Швеция", "Sweden"),
    "TR": ("Турция", "Turkey"), "US": ("США", "USA"), "UZ": ("Узбекистан", "Uzbekistan"), "VN": ("Вьетнам", "Vietnam"),
    "ZA": ("ЮАР", "South Africa"),
}
