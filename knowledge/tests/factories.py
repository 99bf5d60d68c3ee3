import factory

from knowledge.models import Article, Category


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.LazyAttribute(lambda category: category.slug.title())
    name_ru = factory.LazyAttribute(lambda category: category.slug.title())


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    problem = "Something does not work."
    solution = "1. Restart it.\n2. Call IT if it still fails."
    keywords = ""
    language = Article.Language.ENGLISH
    is_published = True
