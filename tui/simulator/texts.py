"""Seed material for the simulated world: names and multilingual messages with emoji."""

from __future__ import annotations

FIRST_NAMES = [
    "Amélie",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elif",
    "Fatima",
    "Gonzalo",
    "Hana",
    "Ingrid",
    "João",
    "Kwame",
    "Léa",
    "Mateus",
    "Nguyễn",
    "Olga",
    "Priya",
    "Quentin",
    "Rania",
    "Søren",
    "Tomasz",
    "Uma",
    "Valentina",
    "Wei",
    "Yuki",
    "Zeynep",
    "Aroha",
    "Björn",
    "Carmen",
]
LAST_NAMES = [
    "Dubois",
    "Rossi",
    "Müller",
    "Kowalski",
    "Yılmaz",
    "Haddad",
    "García",
    "Tanaka",
    "Silva",
    "Andersen",
    "Mensah",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Sharma",
    "Lefèvre",
    "Ito",
    "Novak",
]
USERNAME_WORDS = [
    "sunny",
    "coffee",
    "wander",
    "pixel",
    "maple",
    "luna",
    "tofu",
    "velvet",
    "nomad",
    "cedar",
    "mango",
    "echo",
    "olive",
    "frost",
    "saffron",
    "koi",
    "amber",
    "juniper",
]

INBOUND_TEXTS = [
    "Hi! Is the sourdough still available today?",
    "Bonjour, vous êtes ouverts dimanche ? 🥐",
    "Hola, ¿hacen envíos a Valencia?",
    "Can I order a birthday cake for Saturday? 🎂",
    "Guten Tag, haben Sie glutenfreies Brot?",
    "Olá! Quanto custa o bolo de cenoura?",
    "こんにちは、予約はできますか？",
    "Ciao, posso passare a ritirare alle 18?",
    "Merhaba, siparişim ne zaman hazır olur?",
    "مرحبا، هل لديكم خيارات نباتية؟",
    "Привет! Можно заказать торт без сахара?",
    "你好，请问周末营业吗？",
    "Thanks so much, it was delicious!! ❤️❤️",
    "Where exactly is the shop? I can't find the entrance 😅",
    "Do you take card payments?",
    "Is there parking nearby?",
    "I'd like to change my order to 2 croissants instead of 3",
    "Any news about my order? 🙏",
    "Hej! Har ni kanelbullar idag? 🇸🇪",
    "Xin chào, cửa hàng mở cửa lúc mấy giờ?",
    "👋👋",
    "Perfect, see you tomorrow 👍",
    "Can you send me the menu?",
    "Czy macie pączki w tym tygodniu?",
    "नमस्ते! क्या आप होम डिलीवरी करते हैं?",
    "Kia ora, do you cater for events? 🎉",
    "Is the lemon tart dairy free? My daughter is allergic",
    "ok",
]

OUTBOUND_TEXTS = [
    "Hi! Yes, we still have some — shall we keep one for you?",
    "Thanks for your message 😊 We open at 8:00 every day.",
    "Of course! What time would suit you?",
    "Your order is ready for pickup 🎉",
    "Sorry for the wait, we were busy this morning.",
    "We deliver within 5 km, free over 30 €.",
    "Merci beaucoup ! À bientôt 🥖",
    "Yes, card and contactless are fine.",
    "Here is our menu: https://example.com/menu",
    "Noted, 2 croissants it is ✅",
]

STORY_REPLY_TEXTS = ["😍😍😍", "Where is this?", "Need this right now 🤤", "Wow!"]
REACTIONS = ["❤️", "😂", "😮", "👍", "🔥"]

PAGE_NAME = "Le Petit Four Bakery"
PAGE_CATEGORY = "Bakery"
PAGE_CATEGORY_ID = "2211"
IG_PAGE_USERNAME = "lepetitfour.bakery"
IG_LOGIN_USERNAME = "petitfour.studio"
IG_LOGIN_NAME = "Petit Four Studio"
USER_NAME = "Camille Martin"
APP_NAME = "Linkdeck Simulator"
