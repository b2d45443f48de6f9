"""Demo content written for this project, so a newcomer sees a complete site at once.

Everything created here is recorded in the `demo_content` setting, so
`flask --app app cms demo --remove` takes exactly it away again.
"""

from datetime import date, timedelta

from ..accounts.actors import SYSTEM
from ..content.categories import save_category
from ..content.imported import remove_for_good
from ..content.service import save_page, save_post
from ..core import clock
from ..core.db import db
from ..site.models import DEFAULT_SETTINGS, get_settings, save_settings
from ..site.settings import update_settings

PROFILE = {
    "site_title": "Maple Street Psychotherapy",
    "tagline": "Thoughtful, collaborative therapy for adults in Guelph and online",
    "practitioner_name": "Jordan Avery",
    "credentials": "MA, Registered Psychotherapist",
    "registration_college": "College of Registered Psychotherapists of Ontario",
    "registration_number": "000000 (demo)",
    "contact_email": "hello@example.org",
    "phone": "+1 555 010 0199",
    "city": "Guelph, Ontario",
    "office_address": "12 Maple Street, Suite 3, Guelph, Ontario",
    "show_office_address": True,
    "office_hours": "Monday to Thursday, 9:00 to 18:00",
    "show_office_hours": True,
    "social_links": [
        {"label": "LinkedIn", "url": "https://www.linkedin.com/in/example"},
        {"label": "Psychology Today", "url": "https://www.psychologytoday.com/ca/example"},
    ],
    "availability": "not_accepting",
}

CATEGORIES = [
    ("FAQ", "Common questions about starting and being in therapy."),
    ("Psychotherapy", "How therapy works, and what it can and cannot do."),
    ("Resources", "Books, tools and services worth knowing about."),
    ("Wellbeing", "Everyday practices for looking after your mental health."),
]

POSTS = [
    (
        "Social media and our therapy relationship",
        ["Psychotherapy", "FAQ"],
        """
Many clients wonder whether they can follow me online, send a friend request, or leave a
review. These are good questions, and the answers protect *your* privacy more than mine.

## Why I do not accept friend or connection requests

Our relationship is a professional one, and it works best when it stays inside the
therapy room. If we were connected on a social network, other people could see that you
know me, and might guess that you are my client. I would rather that stay your choice.

## If we meet online

- I will not search for you online, follow you, or look at your profiles.
- If you follow a page of mine, I will not acknowledge it in public.
- Please do not use messaging on social networks to contact me: those messages are not
  secure and I may not see them in time.

## Reviews

Professional guidelines discourage therapists from asking clients for testimonials. If
you would like to share your experience, please tell me in a session instead.

You can read the full [social media policy](/social-media-policy) at any time, and we can
talk about it together in our first session.
""",
    ),
    (
        "What happens in a first session?",
        ["FAQ", "Psychotherapy"],
        """
A first session is mostly a conversation. I will ask what brings you to therapy now, what
you hope will change, and a little about your history. You are also interviewing me:
ask anything about how I work.

## Practical things

1. We go over consent, confidentiality and its limits.
2. We talk about fees, scheduling and cancellations.
3. We agree on a first focus, which can change later.

There is no right way to do a first session. Many people feel nervous, and that is
welcome in the room too.
""",
    ),
    (
        "How to choose a therapist who fits",
        ["Resources", "FAQ"],
        """
Research keeps finding that the *relationship* between client and therapist matters as
much as the method. A few questions can help you find someone who fits:

- Are they registered with a regulatory college? You can check the public register.
- Do they have experience with what you want to work on?
- Do you feel heard in the first conversation?

It is fine to speak with two or three therapists before you decide. A good therapist
will not take it personally.
""",
    ),
    (
        "Small habits for difficult weeks",
        ["Wellbeing"],
        """
When a week is hard, big plans tend to fall apart. Small, repeatable habits hold up
better:

- **Keep a regular wake-up time**, even after a poor night.
- **Move a little every day**: a ten-minute walk counts.
- **Name one thing** that went all right before you sleep.

None of these replace care when you need it, but they can make the ground a little
steadier while you find it.
""",
    ),
    (
        "Is online therapy as effective as meeting in person?",
        ["Psychotherapy", "Resources"],
        """
For many concerns, studies find that therapy by secure video works about as well as
meeting in an office. It also removes travel time, which makes it easier to keep going.

Online sessions are not right for everyone. If you do not have a private space, or you
are in crisis, we will talk about what would suit you better.

Read more about [how online sessions work](/online-therapy).
""",
    ),
    (
        "Understanding anxiety: a short guide",
        ["Psychotherapy", "Wellbeing"],
        """
Anxiety is the body's alarm system. It is meant to keep us safe, but sometimes it goes
off when there is no danger, or keeps ringing long after one has passed.

## Common signs

- Racing thoughts and worry that is hard to switch off
- Tension, a fast heartbeat or trouble breathing
- Avoiding places or people that feel difficult

## What helps

Therapy can help you understand what sets the alarm off and practise responding in new
ways. Approaches such as CBT and ACT have good evidence for anxiety.
""",
    ),
]

PAGES = [
    (
        "About",
        "about",
        False,
        """
I am a Registered Psychotherapist working with adults who are facing anxiety, life
transitions, grief and relationship difficulties. My approach is collaborative and
grounded in evidence-based methods, adapted to each person.

I offer sessions in my office and by secure video across the province.
""",
    ),
    (
        "Online therapy",
        "online-therapy",
        False,
        """
Secure online therapy sessions are available for clients anywhere in the province.

## How it works

- Sessions use an encrypted video platform designed for health care.
- You need a private, quiet space and a stable internet connection.
- We agree on a plan for what to do if the connection drops.

If you are interested, please use the [contact page](/contact).
""",
    ),
    (
        "Social media policy",
        "social-media-policy",
        True,
        """
This policy explains how I use social media and what you can expect from me. Please read
it before our first session; we can discuss any questions together.

## Friending and following

I do not accept friend or contact requests from current or former clients on any social
network. This protects your confidentiality and our professional relationship.

## Messaging

Please do not contact me through social networks or text messages. They are not secure.
Use e-mail for scheduling only, and bring anything clinical to a session.

## Search engines

I do not search for clients online. If something you share online becomes relevant, you
are welcome to bring it to a session.

## Reviews

I do not ask clients for reviews or testimonials.
""",
    ),
    (
        "Terms of use",
        "terms-of-use",
        True,
        """
The content of this website is general information. It is not psychotherapy,
counselling or medical advice, and it is not a substitute for professional help.
Reading it, or writing to me through the contact form, does not create a therapeutic
relationship.

In an emergency, call 911 or go to the nearest emergency department. In Canada you can
call or text 9-8-8 at any time.
""",
    ),
    (
        "Privacy",
        "privacy",
        True,
        """
This website does not use analytics, advertising or tracking of any kind, and it loads
nothing from other websites. It sets no cookies when you read it. The contact form sets
one short-lived cookie to protect against forged submissions.

Messages sent through the contact form are stored encrypted on this server and deleted
automatically after a limited time.
""",
    ),
]


def load_demo() -> dict:
    """Create the demo practice, posts, categories and pages; return their ids."""
    record = {"posts": [], "pages": [], "categories": []}
    now = clock.utcnow()
    with db.atomic():
        update_settings(PROFILE, actor=SYSTEM)
        cats = {}
        for name, description in CATEGORIES:
            cat = save_category({"name": name, "description": description}, actor=SYSTEM)
            cats[name] = cat
            record["categories"].append(cat.id)
        for title, slug, is_policy, body in PAGES:
            page = save_page(
                {
                    "title": title,
                    "slug": slug,
                    "body": body.strip(),
                    "status": "published",
                    "is_policy": is_policy,
                    "effective_date": date(2026, 1, 15) if is_policy else None,
                    "published_at": now - timedelta(days=60),
                },
                actor=SYSTEM,
            )
            record["pages"].append(page.id)
        for age, (title, categories, body) in enumerate(reversed(POSTS)):
            post = save_post(
                {
                    "title": title,
                    "body": body.strip(),
                    "status": "published",
                    "categories": [cats[c] for c in categories],
                    "published_at": now - timedelta(days=7 * (len(POSTS) - age)),
                },
                actor=SYSTEM,
            )
            record["posts"].append(post.id)
        save_settings({"demo_content": record})  # bookkeeping, not an editable setting
    return record


def remove_demo() -> dict:
    """Delete exactly the demo content (and reset the demo profile); return counts."""
    record = get_settings().get("demo_content") or {"posts": [], "pages": [], "categories": []}
    with db.atomic():
        remove_for_good(
            record.get("posts", []), record.get("pages", []), record.get("categories", []),
            actor=SYSTEM,
        )  # fmt: skip
        current = get_settings()
        reset = {k: DEFAULT_SETTINGS[k] for k, v in PROFILE.items() if current.get(k) == v}
        update_settings(reset, actor=SYSTEM)
        save_settings({"demo_content": None})
    return {k: len(v) for k, v in record.items()}
