"""Words that search ignores or counts for little, in Russian and English.

STOP_WORDS are dropped from questions and from the index: pronouns,
prepositions, particles, auxiliaries and greetings. They are matched on the
lower-cased word with "ё" written as "е", before stemming. Contractions are
listed split at the apostrophe ("don't" becomes "don" and "t") because the
tokenizer splits them there. The list covers
the stop words of PostgreSQL's "russian" and "english" text search
configurations (russian.stop and english.stop in PostgreSQL 15), so both
search backends drop the same words.

WEAK_WORDS are kept but weigh little when a question is scored: they report that
something is wrong without naming what ("не работает", "problem", "help").
They are stemmed before comparison, so one form of each word is enough.
Numbers without letters ("10 минут") weigh as little, see
knowledge.analysis.query_terms.
"""

RUSSIAN_STOP_WORDS = """
а без более больше будет будто бы был была были было быть в вам вас вдруг ведь во
вот впрочем все всегда всего всех всю вы где да даже два для до другой его ее ей
ему если есть еще ж же за зачем здесь и из или им иногда их к как какая какой
когда конечно кто куда ли лучше между меня мне много может можно мой моя мы на
над надо наконец нас не него нее ней нельзя нет ни нибудь никогда ним них ничего
но ну о об один он она они опять от перед по под после потом потому почти при
про раз разве с сам свое свою себе себя сегодня сейчас сказал сказала сказать со
совсем так такой там тебя тем теперь то тогда того тоже только том тот три тут
ты у уж уже хорошо хоть чего чей чем через что чтоб чтобы чуть эти этого этой
этом этот эту я мой моей моего моему моим моих мои свой своей своего своим своих
свои наш наша наше наши ваш ваша ваше ваши это эта каждый каждая каждое каждые
каждого каждой каждом каждую весь вся
всё всем всеми которые который которая которое которых которым этим этих этими
могу можешь могут мочь могли смогу сможет пожалуйста подскажите подскажи
скажите здравствуйте привет добрый день утро вечер спасибо помогите помоги
почему зачем как-то какие-то что-то кто-то где-то очень просто вообще снова
опять постоянно всё-таки ещё типа вроде либо тоже также ли бы ага ок окей
""".split()

ENGLISH_STOP_WORDS = """
a about above after again against all am an and any are aren as at be because been
before being below between both but by can cannot could couldn did didn do does
doesn doing don down during each few for from further had hadn has hasn have haven
having he her here hers herself him himself his how i if in into is isn it its
itself just let me more most mustn my myself no nor not now of off on once only or
other ought our ours ourselves out over own same she should shouldn so some such
than that the their theirs them themselves then there these they this those
through to too under until up very was wasn we were weren what when where which
while who whom why will with won would wouldn you your yours yourself yourselves
cant dont doesnt isnt wont didnt hello hi hey please thanks thank anyone somebody
someone get got also still ok okay really
""".split()

STOP_WORDS = frozenset(RUSSIAN_STOP_WORDS + ENGLISH_STOP_WORDS)

WEAK_WORDS = """
работает работать работают заработал сломался сломалось пашет глючит проблема
проблемы ошибка вопрос помощь нужно нужен нужна хочу делать сделать случилось
перестал пропал исчез закончился кончился получается дает позволяет пишет
выдает показывает просит корпоративный рабочий рабочем служебный компания компании
work working works worked broken problem issue error help need want fix stopped
missing shows says corporate company
утра утром вчера позавчера неделю недели часа часов минут минуты
since morning today yesterday tonight week weeks hour hours minutes
""".split()
