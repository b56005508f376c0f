from .appeals.urls import urlpatterns as appeals
from .diagnosis.urls import urlpatterns as diagnosis
from .formalism.urls import urlpatterns as formalism

app_name = "insights"

urlpatterns = [*diagnosis, *formalism, *appeals]
